"""Reads a flowlab model file and evaluates its velocity field v(x, t) and RK4 samples, with
numpy only (see docs/model-format.md for the layout this follows).

    model = FlowlabModel("moons.json")          # the last stage; stage=0 is the first
    v = model.velocity(x, t)                    # x: (N, 2), t: a number or (N,) -> (N, 2)
    x1 = model.sample(x0, steps=100)            # RK4 from t = 0 to 1 -> (N, 2)

Command line: python3 flowlab_model.py MODEL.json [--stage K] --velocity IN.npy T OUT.npy
              python3 flowlab_model.py MODEL.json [--stage K] --sample IN.npy STEPS OUT.npy
(IN.npy: an (N, 2) array of points; K counts from 1, as flowlab's --stage does.)
"""

import json
import sys

import numpy as np

SELU_LAMBDA = 1.0507009873554805
SELU_ALPHA = 1.6732632423543772

ACTIVATIONS = {
    "tanh": np.tanh,
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "selu": lambda z: np.where(z > 0, SELU_LAMBDA * z, SELU_LAMBDA * SELU_ALPHA * np.expm1(z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
}


class FlowlabModel:
    """One stage of a flowlab model with a velocity field (fm, otcfm, rf, cnf, rkl)."""

    def __init__(self, path, stage=-1):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("format") != "flowlab-model":
            raise ValueError(f"{path}: not a flowlab model")
        if doc.get("version") != 1:
            raise ValueError(f"{path}: model format version {doc.get('version')}, this reads 1")
        config = doc["config"]
        if config["method"] == "realnvp":
            raise ValueError(f"{path}: a RealNVP model has no velocity field")
        net = config["network"]
        self.activation = ACTIVATIONS[net["activation"]]
        self.time_input = net["time_input"]
        self.fourier = net["fourier"]
        width = 2 + (1 + 2 * self.fourier if self.time_input else 0)
        sizes = [width] + [net["hidden"]] * net["layers"] + [2]
        theta = np.asarray(doc["stages"][stage]["params"], dtype=np.float64)
        # Per layer: W (out x in, column-major), then b (out).
        self.layers = []
        at = 0
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w = theta[at:at + n_in * n_out].reshape(n_in, n_out).T
            at += n_in * n_out
            b = theta[at:at + n_out]
            at += n_out
            self.layers.append((w, b))
        if at != theta.size:
            raise ValueError(f"{path}: {theta.size} parameters, the network needs {at}")

    def velocity(self, x, t):
        """v(x, t) for points x of shape (N, 2) at time t (a number or an (N,) array)."""
        x = np.asarray(x, dtype=np.float64)
        columns = [x[:, 0], x[:, 1]]
        if self.time_input:
            t = np.broadcast_to(np.asarray(t, dtype=np.float64), (x.shape[0],))
            columns.append(t)
            for k in range(1, self.fourier + 1):
                columns += [np.sin(2 * np.pi * k * t), np.cos(2 * np.pi * k * t)]
        h = np.stack(columns)  # (width, N): one point per column, as flowlab computes
        for w, b in self.layers[:-1]:
            h = self.activation(w @ h + b[:, None])
        w, b = self.layers[-1]
        return (w @ h + b[:, None]).T

    def sample(self, x0, steps=100):
        """Carries x0 (N, 2) from t = 0 to t = 1 with `steps` classical RK4 steps."""
        x = np.asarray(x0, dtype=np.float64).copy()
        h = 1.0 / steps
        for k in range(steps):
            t = k * h
            k1 = self.velocity(x, t)
            k2 = self.velocity(x + 0.5 * h * k1, t + 0.5 * h)
            k3 = self.velocity(x + 0.5 * h * k2, t + 0.5 * h)
            k4 = self.velocity(x + h * k3, t + h)
            x += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x


def main(argv):
    args = list(argv[1:])
    stage = -1
    if "--stage" in args:
        i = args.index("--stage")
        stage = int(args[i + 1]) - 1 if int(args[i + 1]) > 0 else int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 5 or args[1] not in ("--velocity", "--sample"):
        print(__doc__, file=sys.stderr)
        return 2
    model = FlowlabModel(args[0], stage)
    points = np.load(args[2], allow_pickle=False)
    if args[1] == "--velocity":
        out = model.velocity(points, float(args[3]))
    else:
        out = model.sample(points, int(args[3]))
    np.save(args[4], out.astype(np.float64))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
