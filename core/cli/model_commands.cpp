// The subcommands that use a trained model: sample, logp, eval and density.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/base/colour.hpp"
#include "core/base/grid_geometry.hpp"
#include "core/base/parallel.hpp"
#include "core/cli/cli_common.hpp"
#include "core/eval/density_grid.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/held_out_nll.hpp"
#include "core/eval/metrics.hpp"
#include "core/io/exports.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/npy.hpp"
#include "core/io/png_image.hpp"
#include "core/io/points_file.hpp"

namespace flowlab::core::cli {
namespace {

std::vector<OptionSpec> withSolver(std::vector<OptionSpec> specs) {
  for (const auto& s : solverOptions()) specs.push_back(s);
  return specs;
}

double nanIfNot(bool ok, double v) { return ok ? v : std::numeric_limits<double>::quiet_NaN(); }

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

// An output of points or values: FILE.csv or FILE.npy (the extension says which), never the
// same file as one of `inputs`.
void checkTableOutput(const std::string& option, const std::string& path,
                      const std::vector<std::string>& inputs) {
  if (!endsWith(path, ".csv") && !isNpyPath(path))
    throw UsageError(option + " must end in .csv or .npy, got '" + path + "'");
  for (const std::string& in : inputs)
    if (!in.empty() && sameFile(path, in))
      throw UsageError(option + " " + path + " would overwrite " + in);
}

// Points (2×N) as CSV (header x,y) or as an N×2 float32 array.
void writePoints(const std::string& path, const Points& x) { writePointsFile(path, x); }

// Every state of a trajectory of N points: CSV rows point,t,x,y, or a K×N×2 float32 array (K
// times, uniform over [0, 1] for the fixed-step solvers and for Dopri5's samples).
void writeTrajectory(const std::string& path, const Trajectory& trajectory) {
  writeTrajectoryFile(path, trajectory.times, trajectory.states);
}

int runSample(int argc, char** argv) {
  const Args args(argc, argv, 2,
                  withSolver({{"--help", 0},
                              {"--stage", 1},
                              {"--n", 1},
                              {"--seed", 1},
                              {"--out", 1},
                              {"--trajectories", 1},
                              {"--threads", 1}}));
  if (args.has("--help")) {
    std::cout << "usage: flowlab sample MODEL [--stage k] --n N [--solver S] [--solver-steps K]\n"
                 "                      [--rtol R --atol A] [--seed S] --out FILE.csv|FILE.npy\n"
                 "                      [--trajectories FILE.csv|FILE.npy] [--threads T]\n"
                 "  Draws N base points x0 ~ N(0, I) and carries them to t = 1 (default rk4, 100\n"
                 "  steps). --stage k picks a stage, counted from 1 (rf: stage 1 is 1-RF, stage 2\n"
                 "  the first reflow; default: the last; -1 is the last too). --trajectories\n"
                 "  writes every solver step as point,t,x,y. FILE.npy: NumPy arrays (float32) of\n"
                 "  shape N x 2, and K x N x 2 for the K times of the trajectories. N is at most\n"
                 "  10^7, what flowlab reads back from a file.\n";
    return 0;
  }
  const LoadedStage loaded = loadStage(args);
  // At most what flowlab reads back from a file (a CSV of 10^7 points is ~0.2 GB).
  const long n = args.integer("--n", 1000, 1, kMaxPointsInFile);
  const SolverConfig solver = solverFrom(args, kReferenceSampling);
  const std::string out = args.requiredText("--out");
  const std::string trajOut = args.text("--trajectories", "");
  checkTableOutput("--out", out, {args.positional().front()});
  if (!trajOut.empty())
    checkTableOutput("--trajectories", trajOut, {args.positional().front(), out});
  if (!trajOut.empty() && n * (isAdaptive(solver.solver) ? 101 : solver.steps + 1) > 50000000)
    throw UsageError(
        "--trajectories would write more than 50 million rows; lower --n or --solver-steps");
  Rng rng(static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 0x7fffffffffffffffL)));
  Points x(2, n);
  rng.fillNormal(x);
  Trajectory trajectory;
  trajectory.samples = isAdaptive(solver.solver) ? 100 : 0;
  sampleFlow(loaded.model.config, loaded.params(), x, solver, threadsFrom(args, hardwareThreads()),
             trajOut.empty() ? nullptr : &trajectory);
  if (!x.allFinite())
    throw std::runtime_error("the flow produced non-finite points (diverged model?)");
  if (!trajOut.empty()) writeTrajectory(trajOut, trajectory);
  writePoints(out, x);
  return 0;
}

int runLogp(int argc, char** argv) {
  const Args args(
      argc, argv, 2,
      withSolver({{"--help", 0}, {"--stage", 1}, {"--in", 1}, {"--out", 1}, {"--threads", 1}}));
  if (args.has("--help")) {
    std::cout << "usage: flowlab logp MODEL [--stage k] --in FILE.csv|FILE.npy\n"
                 "                    --out FILE.csv|FILE.npy [solver options]\n"
                 "  Exact model log density (natural log) at each point of FILE (CSV with\n"
                 "  header x,y, or an N x 2 .npy): integrates back to t = 0 with the exact\n"
                 "  divergence (default dopri5, rtol = atol = 1e-5). Writes one column with\n"
                 "  header logp (FILE.npy: a float32 array of N values).\n";
    return 0;
  }
  const LoadedStage loaded = loadStage(args);
  const std::string in = args.requiredText("--in");
  const std::string out = args.requiredText("--out");
  checkTableOutput("--out", out, {args.positional().front(), in});
  const SolverConfig solver = solverFrom(args, kFineLogDensity);
  const Points x = readPointsFile(in);
  PointRow logp;
  flowLogDensity(loaded.model.config, loaded.params(), x, solver,
                 threadsFrom(args, hardwareThreads()), logp);
  if (isNpyPath(out))
    writeFileAtomically(out, npyBytes(logp.data(), {static_cast<std::size_t>(logp.size())}));
  else
    writeFileAtomically(out, valuesCsv("logp", logp));
  return 0;
}

namespace {

constexpr const char* kEvalHelp =
    "usage: flowlab eval MODEL --target NAME [--n N] [--nll-n M] [--seed S] [--stage k]\n"
    "                    [--threads T] [--json] [solver options]\n"
    "  For every stage (or --stage k): exact W2 between N generated and N fresh target\n"
    "  points with its floor (W2 between two fresh target samples of the same N),\n"
    "  straightness, transport cost and path energy along the model's own paths, NFE\n"
    "  of the sampling solve (default rk4, 100 steps), and the held-out NLL of\n"
    "  --nll-n (default N) target points under a fine solver (dopri5, 1e-5) — for cnf\n"
    "  models also under the training solver, with a warning when they drift apart.\n"
    "  --seed S draws other model and target samples (default 0): W2 at n = 2000\n"
    "  varies by a few hundredths from one draw to the next, so average a few seeds\n"
    "  (scripts/rf-bars does). --stage k scores one stage, counted from 1 as in the\n"
    "  table (rf: 1 is 1-RF, 2 the first reflow; -1 the last); --threads T (default:\n"
    "  all cores); --json prints one object per stage.\n";

// The fixed target samples `flowlab eval` scores every stage against: the W2 reference and its
// floor (a second target sample of the same size), and the held-out NLL set.
struct EvalSamples {
  Points data, floorData, held;
  double floor = 0.0;  // W2(data, floorData)
  EvalSamples(const Target& target, long n, long nllN, const Rng& rng)
      : data(2, n), floorData(2, n), held(2, nllN) {
    Rng dataRng = rng.split(1), floorRng = rng.split(2), heldRng = rng.split(3);
    target.sample(data, dataRng);
    target.sample(floorData, floorRng);
    target.sample(held, heldRng);
    floor = w2Exact(data, floorData);
  }
};

// One stage's figures, as `flowlab eval` prints them.
struct StageScore {
  double w2 = 0.0;
  PathMetrics path;  // NaN fields where the method has no paths
  double nll = 0.0, nllTrain = std::numeric_limits<double>::quiet_NaN();
};

StageScore scoreStage(const TrainerConfig& config, const ParamVec& params,
                      const EvalSamples& samples, const SolverConfig& solver, int threads,
                      Rng baseRng) {
  const long n = samples.data.cols();
  StageScore s;
  Points x0(2, n);
  baseRng.fillNormal(x0);
  Points x1 = x0;
  const bool hasPath = isContinuous(config.method);
  // The sample (and its NFE) from the sampling solve itself; path integrals on top.
  const long nfe = sampleFlow(config, params, x1, solver, threads).nfe;
  if (hasPath) s.path = pathMetrics(FlowEvaluator(config, params).velocityFn(), x0, solver);
  s.path.nfe = nfe;
  s.path.straightness = nanIfNot(hasPath, s.path.straightness);
  s.path.transportCost = nanIfNot(hasPath, s.path.transportCost);
  s.path.pathEnergy = nanIfNot(hasPath, s.path.pathEnergy);
  s.w2 = x1.allFinite() ? w2Exact(x1, samples.data) : std::numeric_limits<double>::infinity();
  PointRow logp;
  flowLogDensity(config, params, samples.held, kFineLogDensity, threads, logp);
  s.nll = meanNll(logp);
  if (config.method == Method::Cnf) {
    flowLogDensity(config, params, samples.held, config.cnf.solver, threads, logp);
    s.nllTrain = meanNll(logp);
  }
  return s;
}

}  // namespace

int runEval(int argc, char** argv) {
  std::vector<OptionSpec> specs = withSolver({{"--help", 0},
                                              {"--n", 1},
                                              {"--json", 0},
                                              {"--seed", 1},
                                              {"--stage", 1},
                                              {"--threads", 1},
                                              {"--nll-n", 1}});
  for (const auto& s : targetOptions()) specs.push_back(s);
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kEvalHelp;
    return 0;
  }
  expectPositional(args, 1, "MODEL (a model file written by 'flowlab train')");
  const Model model = loadModel(args.positional()[0]);
  auto target = targetFrom(args, true);
  const long n = args.integer("--n", 2000, 2, 20000);
  const long nllN = args.integer("--nll-n", n, 1, 10000000);
  const SolverConfig solver = solverFrom(args, kReferenceSampling);
  const int threads = threadsFrom(args, hardwareThreads());
  const std::uint64_t seed =
      static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 0x7fffffffffffffffL));
  const long count = static_cast<long>(model.stages.size());
  long first = 0, last = count - 1;
  if (args.has("--stage")) first = last = stageFrom(args, static_cast<int>(count), 0);
  const bool json = args.has("--json");
  const bool isCnf = model.config.method == Method::Cnf;
  const TargetInfo* info = findTargetInfo(model.target);
  const bool entropyKnown = info && info->name == targetLabel(args);

  const Rng rng(seed);
  const EvalSamples samples(*target, n, nllN, rng);
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    std::printf("%-5s %8s %8s %6s %13s %14s %11s %6s %9s%s\n", "stage", "W2", "floor", "n",
                "straightness", "transport", "energy", "NFE", "NLL",
                isCnf ? "  NLL(train solver)" : "");
  for (long k = first; k <= last; ++k) {
    const StageScore s =
        scoreStage(model.config, model.stages[static_cast<std::size_t>(k)].params, samples, solver,
                   threads, rng.split(100 + static_cast<std::uint64_t>(k)));
    nlohmann::json row = {{"stage", k + 1},
                          {"w2", number(s.w2)},
                          {"w2_floor", samples.floor},
                          {"n", n},
                          {"straightness", number(s.path.straightness)},
                          {"transport_cost", number(s.path.transportCost)},
                          {"path_energy", number(s.path.pathEnergy)},
                          {"nfe", s.path.nfe},
                          {"nll", number(s.nll)},
                          {"nll_n", nllN},
                          {"solver", std::string(solverName(solver.solver))}};
    if (isCnf) row["nll_train_solver"] = number(s.nllTrain);
    if (entropyKnown) row["entropy"] = info->entropy;
    rows.push_back(row);
    if (!json)
      std::printf("%-5ld %8.4f %8.4f %6ld %13.6g %14.6g %11.6g %6ld %9.4f%s\n", k + 1, s.w2,
                  samples.floor, n, s.path.straightness, s.path.transportCost, s.path.pathEnergy,
                  s.path.nfe, s.nll, isCnf ? ("  " + std::to_string(s.nllTrain)).c_str() : "");
    if (isCnf && std::abs(s.nllTrain - s.nll) > kSolverDriftNats)
      std::fprintf(
          stderr,
          "warning: stage %ld: NLL under the training solver (%.4f) and a fine solver (%.4f) "
          "differ by %.3f nats: the model may be exploiting the training solver's "
          "discretisation; trust the fine-solver figure\n",
          k + 1, s.nllTrain, s.nll, std::abs(s.nllTrain - s.nll));
  }
  if (json) std::cout << rows.dump(1) << "\n";
  return 0;
}

namespace {

// The density colour-mapped (square root: the tails stay visible), the top row at y1, and a
// strip under it with the colour bar: 0 at the left, the peak density at the right.
void writeDensityPng(const std::string& out, const DensityGrid& grid, const GridGeometry& geometry,
                     double t) {
  float peak = 0.0f;
  for (float v : grid.values) peak = std::max(peak, std::exp(v));
  constexpr int kStrip = 30;
  RgbImage image(grid.width, grid.height + kStrip, Colour{0.07f, 0.08f, 0.1f});
  for (int j = 0; j < grid.height; ++j)
    for (int i = 0; i < grid.width; ++i) {
      const float p = std::exp(grid.values[geometry.index(i, j)]);
      image.set(i, grid.height - 1 - j, sequentialColour(peak > 0 ? std::sqrt(p / peak) : 0.0));
    }
  char hi[32], caption[64];
  std::snprintf(hi, sizeof hi, "%.3g", static_cast<double>(peak));
  std::snprintf(caption, sizeof caption, "p_t(x) at t = %.2f, sqrt scale", t);
  const int margin = std::min(8, grid.width / 8);
  drawColourBar(
      image, margin, grid.height + 6, grid.width - 2 * margin, 8,
      [](double s) { return sequentialColour(std::sqrt(s)); }, "0", hi, caption);
  writePngAtomically(out, image);
}

}  // namespace

int runDensity(int argc, char** argv) {
  const Args args(argc, argv, 2,
                  withSolver({{"--help", 0},
                              {"--stage", 1},
                              {"--t", 1},
                              {"--grid", 2},
                              {"--box", 4},
                              {"--out", 1},
                              {"--threads", 1},
                              {"--divergence", 0}}));
  if (args.has("--help")) {
    std::cout
        << "usage: flowlab density MODEL [--stage k] --t T --grid W H --box x0 y0 x1 y1\n"
           "                       --out FILE.csv|FILE.npy|FILE.png [solver options] [--threads "
           "T]\n"
           "  Exact log p_t at every cell centre (integrated back to t = 0 with the exact\n"
           "  divergence; default rk4, 32 steps). CSV: header x,y,logp, one row per cell.\n"
           "  NPY: an H x W float32 array of logp, row 0 at y0 (the bottom), column 0 at x0.\n"
           "  PNG: the density exp(logp) colour-mapped (square root scale), top row = y1, with a\n"
           "  colour bar under it (0 to the peak density). Prints progress and the grid's mass.\n"
           "  --divergence: div v(x, t) instead (CSV header x,y,div, or NPY; no PNG).\n";
    return 0;
  }
  const LoadedStage loaded = loadStage(args);
  DensityGridSpec spec;
  spec.t = args.real("--t", 1.0, 0.0, 1.0);
  if (args.has("--grid")) {
    const auto g = args.integers("--grid", 1, 4096);
    spec.width = static_cast<int>(g[0]);
    spec.height = static_cast<int>(g[1]);
  }
  if (args.has("--box")) spec.box = args.box("--box");
  spec.solver = solverFrom(args, SolverConfig::rk4(32));
  spec.threads = threadsFrom(args, hardwareThreads());
  const std::string out = args.requiredText("--out");
  const bool png = endsWith(out, ".png"), csv = endsWith(out, ".csv"), npy = isNpyPath(out);
  if (!png && !csv && !npy) throw UsageError("--out must end in .csv, .npy or .png");
  const bool divergence = args.has("--divergence");
  if (divergence && png) throw UsageError("--divergence writes .csv or .npy, not .png");
  if (divergence && !isContinuous(loaded.model.config.method))
    throw UsageError("--divergence needs a model with a velocity field (not realnvp)");
  if (sameFile(out, args.positional().front()))
    throw UsageError("--out " + out + " would overwrite " + args.positional().front());
  // A progress line with an ETA: a fine grid takes seconds.
  const bool tty = ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  spec.progress = [&](double done) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(tty ? 200 : 2000) || done >= 1.0) return;
    last = now;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    std::fprintf(stderr, "%sdensity grid %dx%d: %.0f%%  ETA %.1f s%s", tty ? "\r\033[K" : "",
                 spec.width, spec.height, 100.0 * done, elapsed * (1.0 - done) / done,
                 tty ? "" : "\n");
  };
  const DensityGrid grid = divergence
                               ? computeDivergenceGrid(loaded.model.config, loaded.params(), spec)
                               : computeLogDensityGrid(loaded.model.config, loaded.params(), spec);
  if (tty) std::fprintf(stderr, "\r\033[K");
  const GridGeometry geometry{spec.box, spec.width, spec.height};
  if (divergence) {
    writeGridFile(out, grid, "div");
    std::fprintf(stderr, "div v on %dx%d cells at t = %.3f\n", grid.width, grid.height, spec.t);
    return 0;
  }
  if (csv || npy)
    writeGridFile(out, grid, "logp");
  else
    writeDensityPng(out, grid, geometry, spec.t);
  std::fprintf(stderr, "mass %.4f on the box (%dx%d cells, t = %.3f, %ld NFE per point)\n",
               grid.mass, grid.width, grid.height, spec.t, grid.nfe);
  return 0;
}

}  // namespace flowlab::core::cli
