"""docs/flowlab_model.py against flowlab itself, and numpy.load on every .npy flowlab exports.

Usage: check_model_py.py FLOWLAB DOCS_DIR WORK_DIR. Exits 77 (skipped) without numpy.
"""

import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("skipped: this python3 has no numpy (apt-get install python3-numpy)")
    sys.exit(77)

flowlab, docs, work = sys.argv[1:4]
sys.path.insert(0, docs)
from flowlab_model import FlowlabModel  # noqa: E402

os.makedirs(work, exist_ok=True)


def path(name):
    return os.path.join(work, name)


def run(*args):
    subprocess.run([flowlab, *args], check=True, stdout=subprocess.DEVNULL)


def load(name, dtype, shape):
    a = np.load(path(name), allow_pickle=False)
    assert a.dtype == dtype and a.shape == shape, (name, a.dtype, a.shape)
    assert np.isfinite(a).all(), name
    return a


failures = []
for method, steps in (("fm", "300"), ("cnf", "60")):
    model = path(method + ".json")
    run("train", "--target", "moons", "--method", method, "--hidden", "16", "--layers", "2",
        "--steps", steps, "--quiet", "--out", model)
    py = FlowlabModel(model)
    # v(x, t): each Euler step of flowlab's own trajectory is x + h v(x, t).
    run("sample", model, "--n", "200", "--solver", "euler", "--solver-steps", "4", "--seed", "3",
        "--out", path("e.npy"), "--trajectories", path("et.npy"))
    et = load("et.npy", np.float32, (5, 200, 2)).astype(np.float64)
    v_error = max(np.abs((et[k + 1] - et[k]) * 4 - py.velocity(et[k], k / 4)).max()
                  for k in range(4))
    # RK4 samples from the same start points.
    run("sample", model, "--n", "200", "--solver", "rk4", "--solver-steps", "20", "--seed", "5",
        "--out", path("s.npy"), "--trajectories", path("t.npy"))
    s = load("s.npy", np.float32, (200, 2))
    t = load("t.npy", np.float32, (21, 200, 2))
    sample_error = np.abs(py.sample(t[0], steps=20) - s).max()
    print(f"{method}: |v - flowlab| {v_error:.2e} (bar 1e-5), "
          f"|RK4 sample - flowlab| {sample_error:.2e} (bar 1e-4)")
    if not v_error <= 1e-5:
        failures.append(f"{method}: velocity differs by {v_error}")
    if not sample_error <= 1e-4:
        failures.append(f"{method}: samples differ by {sample_error}")

# The other exports numpy must read.
run("sample", path("fm.json"), "--n", "5", "--out", path("in.csv"))
run("logp", path("fm.json"), "--in", path("in.csv"), "--out", path("l.npy"))
load("l.npy", np.float32, (5,))
run("density", path("fm.json"), "--t", "1", "--grid", "8", "6", "--box", "-3", "-2", "3", "2",
    "--out", path("d.npy"))
d = load("d.npy", np.float32, (6, 8))
run("density", path("fm.json"), "--t", "1", "--grid", "8", "6", "--box", "-3", "-2", "3", "2",
    "--out", path("d.csv"))
csv = np.loadtxt(path("d.csv"), delimiter=",", skiprows=1)
if not np.allclose(csv[:, 2].reshape(6, 8), d, rtol=0, atol=1e-6):
    failures.append("density: the .npy grid is not the CSV's rows (row 0 at y0)")
print("\n".join(failures) if failures else "ok")
sys.exit(1 if failures else 0)
