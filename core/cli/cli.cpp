// CLI dispatch, help, `flowlab targets`, and the option groups shared by the subcommands.
#include "core/cli/cli.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "core/base/parallel.hpp"
#include "core/cli/cli_common.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/points_file.hpp"
#include "core/io/session_io.hpp"

namespace flowlab::core {
namespace {

constexpr const char* kUsage = R"(flowlab — watch 2-D generative flows learn.

usage: flowlab [app options]        open the desktop app (see 'flowlab --app-help')
       flowlab <command> [options]

commands:
  targets                           list the built-in target densities
  train    --target NAME | --target-image FILE | --target-points FILE | --target-session FILE
           --method fm|otcfm|rf|cnf|rkl|realnvp
           [--reflow K] [--steps N] [--batch B] [--lr X] [--hidden W] [--layers L]
           [--activation tanh|silu|selu|softplus] [--seed S] [--threads T]
           --out MODEL.json | SESSION.flowlab   [--loss-log FILE.csv|.npy]
           [--eval-every N [--gap G] [--stop-at-gap] [--log FILE.csv]]   held-out NLL trace
  train    --resume SESSION.flowlab [--steps N] --out MODEL.json | SESSION.flowlab
  sample   MODEL [--stage k] --n N [--solver S] [--solver-steps K] [--rtol R --atol A]
           [--seed S] --out FILE.csv [--trajectories FILE.csv]
  logp     MODEL [--stage k] --in FILE.csv --out FILE.csv [solver options]
  eval     MODEL --target NAME [--stage k] [--n N] [--nll-n M] [--seed S] [--json]
           [solver options]
  density  MODEL [--stage k] --t T --grid W H --box x0 y0 x1 y1 --out FILE.csv|.npy|.png
           [--divergence]
  solvers  MODEL --target NAME [--stage k] [--solvers euler,midpoint,heun,rk4]
           [--steps 1,2,4,8,16,32,100] [--n N] [--seed S] --out FILE.csv [--png FILE.png]
           endpoint error, fitted order and W2 of each solver and step count
  compare  --target NAME | --target-image FILE | --target-session FILE  (--reflow K | --methods LIST) [--steps N]
           [--seed S] [--threads T] --out DIR   reflow rounds or methods on the same points:
           DIR/table.csv, DIR/table.md, DIR/panels.png
  render   MODEL [--stage k] [--layers a,b,...] [--frames N] [--size W H] [--box x0 y0 x1 y1]
           --out FILE.mp4|FILE.gif|DIR/   the flow from t = 0 to 1 as the app draws it
  bench    [--json] [--quick] [--only fm,sampling,cnf,grid,ot,peak]

MODEL may be a session (.flowlab) wherever a model is read.
Stages are counted from 1 everywhere (train's progress, eval's table, --stage k, the app):
rf's stage 1 is 1-RF, stage 2 the first reflow round; --stage -1 is the last.
Solver options mean the same everywhere: --solver euler|midpoint|heun|rk4|dopri5,
--solver-steps K (fixed-step solvers), --rtol R --atol A (dopri5).
Run 'flowlab <command> --help' for every option of a command.
)";

}  // namespace

bool isCliCommand(std::string_view word) {
  return word == "targets" || word == "train" || word == "sample" || word == "logp" ||
         word == "eval" || word == "density" || word == "solvers" || word == "bench" ||
         word == "compare" || word == "render" || word == "--help" || word == "-h" ||
         word == "help" || word == "--version";
}

int runCli(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << kUsage;
    return 0;
  }
  const std::string command = argv[1];
  if (command == "--version") {
    std::cout << "flowlab 0.1.0 (model format " << Model::kFormatVersion << ")\n";
    return 0;
  }
  try {
    if (command == "targets") return cli::runTargets(argc, argv);
    if (command == "train") return cli::runTrain(argc, argv);
    if (command == "sample") return cli::runSample(argc, argv);
    if (command == "logp") return cli::runLogp(argc, argv);
    if (command == "eval") return cli::runEval(argc, argv);
    if (command == "density") return cli::runDensity(argc, argv);
    if (command == "solvers") return cli::runSolvers(argc, argv);
    if (command == "compare") return cli::runCompare(argc, argv);
    if (command == "render") return cli::runRender(argc, argv);
    if (command == "bench") return cli::runBench(argc, argv);
    std::cerr << "flowlab: unknown command '" << command << "' (see 'flowlab --help')\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "flowlab " << command << ": " << e.what() << " (see 'flowlab " << command
              << " --help')\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "flowlab " << command << ": " << e.what() << "\n";
    return 1;
  }
}

namespace cli {

std::vector<OptionSpec> solverOptions() {
  return {{"--solver", 1}, {"--solver-steps", 1}, {"--rtol", 1}, {"--atol", 1}};
}

SolverConfig solverFrom(const Args& args, const SolverConfig& fallback) {
  SolverConfig s = fallback;
  if (args.has("--solver")) {
    const auto solver = parseSolver(args.text("--solver", ""));
    if (!solver)
      throw UsageError("unknown solver '" + args.text("--solver", "") +
                       "' (choose euler, midpoint, heun, rk4 or dopri5)");
    s.solver = *solver;
  }
  s.steps = static_cast<int>(args.integer("--solver-steps", s.steps, 1, 100000));
  s.rtol = args.real("--rtol", s.rtol, 1e-12, 0.5);
  s.atol = args.real("--atol", s.atol, 1e-12, 0.5);
  if (isAdaptive(s.solver) && args.has("--solver-steps"))
    throw UsageError("--solver-steps applies to fixed-step solvers; dopri5 takes --rtol/--atol");
  if (!isAdaptive(s.solver) && (args.has("--rtol") || args.has("--atol")))
    throw UsageError("--rtol/--atol apply to --solver dopri5 only");
  return s;
}

std::vector<OptionSpec> targetOptions() {
  return {{"--target", 1},        {"--target-image", 1}, {"--image-box", 4},     {"--invert", 0},
          {"--target-points", 1}, {"--bandwidth", 1},    {"--target-session", 1}};
}

namespace {

// --target-points FILE [--bandwidth H]: the kernel density estimate of the file's points.
std::shared_ptr<const Target> pointsTargetFrom(const Args& args) {
  const double h = args.has("--bandwidth") ? args.real("--bandwidth", 0.0, 1e-6, 1e6) : 0.0;
  return loadPointsTarget(args.requiredText("--target-points"), h);
}

}  // namespace

std::shared_ptr<const Target> targetFrom(const Args& args, bool required) {
  const int given = int(args.has("--target")) + int(args.has("--target-image")) +
                    int(args.has("--target-points")) + int(args.has("--target-session"));
  if (given > 1)
    throw UsageError(
        "give one of --target, --target-image, --target-points and --target-session, not several");
  if (args.has("--target-session")) {
    if (args.has("--image-box") || args.has("--invert") || args.has("--bandwidth"))
      throw UsageError("--image-box, --invert and --bandwidth do not apply to --target-session");
    return loadSession(args.requiredText("--target-session")).target;  // painted ones too
  }
  if (args.has("--bandwidth") && !args.has("--target-points"))
    throw UsageError("--bandwidth applies to --target-points only");
  if (args.has("--target-points")) {
    if (args.has("--image-box") || args.has("--invert"))
      throw UsageError("--image-box and --invert apply to --target-image only");
    return pointsTargetFrom(args);
  }
  if (args.has("--target")) {
    const std::string name = args.requiredText("--target");
    auto target = makeBuiltinTarget(name);
    if (!target) {
      std::string known;
      for (const TargetInfo& t : builtinTargets()) known += (known.empty() ? "" : ", ") + t.name;
      throw UsageError("unknown target '" + name + "' (built-in: " + known + ")");
    }
    if (args.has("--image-box") || args.has("--invert"))
      throw UsageError("--image-box and --invert apply to --target-image only");
    return target;
  }
  if (args.has("--target-image")) {
    const Box box = args.has("--image-box") ? args.box("--image-box") : Box{};
    return ImageTarget::fromFile(args.requiredText("--target-image"), box, args.has("--invert"));
  }
  if (required)
    throw UsageError(
        "missing --target NAME, --target-image FILE, --target-points FILE or --target-session "
        "FILE");
  return nullptr;
}

std::string targetLabel(const Args& args) {
  if (args.has("--target")) return args.text("--target", "");
  if (args.has("--target-image")) return "image:" + args.text("--target-image", "");
  if (args.has("--target-points")) return "points:" + args.text("--target-points", "");
  if (args.has("--target-session")) return "session:" + args.text("--target-session", "");
  return {};
}

void expectPositional(const Args& args, std::size_t count, const std::string& what) {
  if (args.positional().size() < count) throw UsageError("missing " + what);
  if (args.positional().size() > count)
    throw UsageError("unexpected argument '" + args.positional()[count] + "'");
}

LoadedStage loadStage(const Args& args) {
  expectPositional(args, 1, "MODEL (a model file written by 'flowlab train')");
  LoadedStage loaded{loadModel(args.positional()[0]), 0};
  const int count = static_cast<int>(loaded.model.stages.size());
  loaded.stage = stageFrom(args, count, count - 1);
  return loaded;
}

int stageFrom(const Args& args, int count, int fallback) {
  if (!args.has("--stage")) return fallback;
  const long k = args.integer("--stage", 0, -count, count);
  if (k == 0)
    throw UsageError("--stage counts from 1 (1.." + std::to_string(count) +
                     ", or -1 for the last), got 0");
  return static_cast<int>(k > 0 ? k - 1 : count + k);
}

int threadsFrom(const Args& args, int fallback) {
  return static_cast<int>(args.integer("--threads", fallback, 1, 256));
}

int runTargets(int argc, char** argv) {
  const Args args(argc, argv, 2, {{"--help", 0}});
  if (args.has("--help")) {
    std::cout << "usage: flowlab targets\n  Lists the built-in targets with their entropy H "
                 "(nats) and the W2 floor at n = 2000.\n";
    return 0;
  }
  expectPositional(args, 0, "");
  std::printf("%-13s %9s %9s  %s\n", "name", "H (nats)", "W2 floor", "description");
  for (const TargetInfo& t : builtinTargets())
    std::printf("%-13s %9.3f %9.2f  %s\n", t.name.c_str(), t.entropy, t.w2Floor,
                t.description.c_str());
  return 0;
}

bool sameFile(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea),
             cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

void refuseOverwritingInputs(const Args& args, const std::string& option,
                             const std::string& output) {
  std::vector<std::string> inputs = args.positional();
  for (const char* name :
       {"--in", "--resume", "--target-image", "--target-points", "--target-session"})
    if (args.has(name)) inputs.push_back(args.text(name, ""));
  for (const std::string& in : inputs)
    if (!in.empty() && sameFile(output, in))
      throw UsageError(option + " " + output + " names an input (" + in +
                       "): flowlab never writes over what it reads; choose another file");
}

std::string formatSeconds(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
  return buf;
}

}  // namespace cli
}  // namespace flowlab::core
