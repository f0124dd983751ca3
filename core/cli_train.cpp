// `flowlab train`: builds a TrainerConfig from options, trains every stage with a live progress
// line, and writes the model file atomically.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "core/cli_common.hpp"
#include "core/model_io.hpp"
#include "core/objective.hpp"
#include "core/parallel.hpp"
#include "core/training_session.hpp"

namespace flowlab::core::cli {
namespace {

constexpr const char* kTrainHelp = R"(usage: flowlab train (--target NAME | --target-image FILE) --method METHOD --out MODEL.json [options]

  --target NAME          a built-in target (see 'flowlab targets')
  --target-image FILE    a PNG/JPG whose brightness is the density
    --image-box x0 y0 x1 y1   world rectangle of the image (default -4 -4 4 4)
    --invert                  dark = dense (ink on paper)
  --method M             fm | otcfm | rf | cnf | rkl | realnvp
  --out FILE             model file to write (JSON, every stage)
  --steps N              training steps per stage (default: fm/otcfm/rf 20000, cnf 3000,
                         rkl 3000, realnvp 5000)
  --reflow K             rf: reflow rounds after the first flow (default 1)
  --reflow-pairs M       rf: pairs per reflow round (default 50000)
  --batch B              minibatch size (default 256; cnf, rkl 128)
  --lr X                 Adam learning rate (default 1e-3; cnf, rkl, realnvp 5e-3)
  --weight-decay X       decoupled weight decay (default 0)
  --schedule S           cosine | constant learning rate over each stage (default cosine)
  --clip X               clip the gradient norm at X (default: off; cnf 10)
  --hidden W             hidden width (default 64; cnf, rkl 32; realnvp conditioners 32)
  --layers L             hidden layers (default 3; realnvp conditioners 2)
  --activation A         tanh | silu | selu | softplus (default silu; cnf, rkl, realnvp tanh)
  --fourier F            Fourier time features sin/cos(2πkt), k = 1..F (default 0)
  --sigma S              fm/otcfm: Gaussian path width σ (default 0)
  --couplings C          realnvp: coupling layers (default 12)
  --solver, --solver-steps, --rtol, --atol
                         cnf/rkl: the training solver (default rk4, 8 steps);
                         rf: the solver that generates reflow pairs (default rk4, 100 steps)
  --trace exact|hutchinson   cnf/rkl: divergence estimator (default exact)
  --probe gaussian|rademacher  Hutchinson probe (default gaussian)
  --gradient backprop|adjoint  cnf/rkl: gradient through the solver (default backprop)
  --kinetic X, --jacobian X    cnf: RNODE regulariser weights (default 0)
  --seed S               random seed (default 0); the same seed repeats a run exactly
  --threads T            threads for reflow pair generation (default: all cores)
  --quiet                no progress line
)";

TrainerConfig configFrom(const Args& args) {
  const std::string methodText = args.requiredText("--method");
  const auto method = parseMethod(methodText);
  if (!method)
    throw UsageError("unknown method '" + methodText + "' (choose fm, otcfm, rf, cnf, rkl or realnvp)");
  TrainerConfig c = defaultConfig(*method);
  c.steps = args.integer("--steps", c.steps, 1, 100000000);
  if (args.has("--reflow") && c.method != Method::RectifiedFlow)
    throw UsageError("--reflow applies to --method rf only");
  c.reflow = static_cast<int>(args.integer("--reflow", c.reflow, 0, 16));
  c.reflowPairs = static_cast<int>(args.integer("--reflow-pairs", 50000, 1, 10000000));
  c.batch = static_cast<int>(args.integer("--batch", c.batch, 1, 65536));
  c.adam.learningRate = args.real("--lr", c.adam.learningRate, 1e-9, 1.0);
  c.adam.weightDecay = args.real("--weight-decay", 0.0, 0.0, 0.99);
  const std::string schedule = args.text("--schedule", "cosine");
  if (schedule != "cosine" && schedule != "constant") throw UsageError("--schedule must be cosine or constant");
  c.schedule = schedule == "cosine" ? LrSchedule::Cosine : LrSchedule::Constant;
  c.adam.maxGradNorm = args.real("--clip", c.adam.maxGradNorm, 0.0, 1e9);
  c.mlp.hidden = static_cast<int>(args.integer("--hidden", c.mlp.hidden, 1, 4096));
  c.mlp.layers = static_cast<int>(args.integer("--layers", c.mlp.layers, 1, 64));
  if (args.has("--activation")) {
    const auto act = parseActivation(args.text("--activation", ""));
    if (!act)
      throw UsageError("unknown activation '" + args.text("--activation", "") +
                       "' (choose tanh, silu, selu or softplus)");
    c.mlp.activation = *act;
  }
  c.mlp.fourierFrequencies = static_cast<int>(args.integer("--fourier", 0, 0, 64));
  c.sigma = args.real("--sigma", 0.0, 0.0, 10.0);
  c.couplingLayers = static_cast<int>(args.integer("--couplings", c.couplingLayers, 1, 64));
  c.seed = static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 0x7fffffffffffffffL));
  c.threads = threadsFrom(args, hardwareThreads());

  const bool integratesInTraining = c.method == Method::Cnf || c.method == Method::ReverseKl;
  if (integratesInTraining) {
    c.cnf.solver = solverFrom(args, c.cnf.solver);
  } else if (c.method == Method::RectifiedFlow) {
    c.pairSolver = solverFrom(args, c.pairSolver);
  } else if (args.has("--solver") || args.has("--solver-steps") || args.has("--rtol") || args.has("--atol")) {
    throw UsageError("solver options apply to --method cnf, rkl and rf (reflow pairs) only");
  }
  if (args.has("--trace") || args.has("--probe") || args.has("--gradient") ||
      args.has("--kinetic") || args.has("--jacobian")) {
    if (!integratesInTraining)
      throw UsageError("--trace, --probe, --gradient, --kinetic and --jacobian apply to --method cnf and rkl only");
  }
  const std::string trace = args.text("--trace", "exact");
  if (trace != "exact" && trace != "hutchinson") throw UsageError("--trace must be exact or hutchinson");
  c.cnf.trace = trace == "exact" ? TraceEstimator::Exact : TraceEstimator::Hutchinson;
  const std::string probe = args.text("--probe", "gaussian");
  if (probe != "gaussian" && probe != "rademacher") throw UsageError("--probe must be gaussian or rademacher");
  c.cnf.probe = probe == "gaussian" ? HutchinsonProbe::Gaussian : HutchinsonProbe::Rademacher;
  const std::string gradient = args.text("--gradient", "backprop");
  if (gradient != "backprop" && gradient != "adjoint") throw UsageError("--gradient must be backprop or adjoint");
  c.cnf.gradient = gradient == "backprop" ? GradientMode::Backprop : GradientMode::Adjoint;
  c.cnf.kineticWeight = args.real("--kinetic", 0.0, 0.0, 1e6);
  c.cnf.jacobianWeight = args.real("--jacobian", 0.0, 0.0, 1e6);
  if (const std::string problem = validate(c); !problem.empty()) throw UsageError(problem);
  return c;
}

// Fails early (before minutes of training) when the output cannot be written.
void checkWritable(const std::string& path) {
  const std::string probe = path + ".probe" + std::to_string(::getpid());
  {
    std::ofstream out(probe);
    if (!out) throw std::runtime_error(path + ": cannot write here (missing folder or no permission)");
  }
  std::remove(probe.c_str());
}

std::string formatSeconds(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
  return buf;
}

}  // namespace

int runTrain(int argc, char** argv) {
  std::vector<OptionSpec> specs = {
      {"--help", 0}, {"--method", 1}, {"--out", 1}, {"--steps", 1}, {"--reflow", 1},
      {"--reflow-pairs", 1}, {"--batch", 1}, {"--lr", 1}, {"--weight-decay", 1}, {"--schedule", 1}, {"--clip", 1},
      {"--hidden", 1}, {"--layers", 1}, {"--activation", 1}, {"--fourier", 1}, {"--sigma", 1},
      {"--couplings", 1}, {"--seed", 1}, {"--threads", 1}, {"--trace", 1}, {"--probe", 1},
      {"--gradient", 1}, {"--kinetic", 1}, {"--jacobian", 1}, {"--quiet", 0}};
  for (auto group : {solverOptions(), targetOptions()}) specs.insert(specs.end(), group.begin(), group.end());
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kTrainHelp;
    return 0;
  }
  expectPositional(args, 0, "");
  const TrainerConfig config = configFrom(args);
  const std::string out = args.requiredText("--out");
  auto target = targetFrom(args, true);
  checkWritable(out);

  TrainingSession session(config, target);
  const bool quiet = args.has("--quiet");
  const bool tty = ::isatty(STDERR_FILENO);
  const int stages = config.method == Method::RectifiedFlow ? config.reflow + 1 : 1;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto stageStart = start, lastPrint = start;
  const auto printInterval = tty ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
  long nonFinite = 0;

  auto progress = [&](bool final) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - stageStart).count();
    const double rate = elapsed > 0 ? session.stageStep() / elapsed : 0.0;
    const double eta = rate > 0 ? (config.steps - session.stageStep()) / rate : NAN;
    std::fprintf(stderr, "%sstage %d/%d  step %ld/%ld  loss %.4f  %.0f steps/s  %s %s%s",
                 tty ? "\r" : "", session.stage() + 1, stages, session.stageStep(), config.steps,
                 session.smoothedLoss(), rate, final ? "took" : "ETA",
                 formatSeconds(final ? elapsed : eta).c_str(), tty && !final ? "   " : "\n");
    std::fflush(stderr);
  };

  for (;;) {
    while (!session.stageDone()) {
      const double loss = session.step();
      if (!std::isfinite(loss)) {
        if (++nonFinite > 20)
          throw std::runtime_error("training diverged (loss is not finite) at step " +
                                   std::to_string(session.totalSteps()) +
                                   "; try a lower --lr or --clip; nothing was written");
        session.restoreLastGood();
      } else if (session.totalSteps() % 100 == 0) {
        session.markGood();
      }
      if (!quiet && Clock::now() - lastPrint >= printInterval) {
        progress(false);
        lastPrint = Clock::now();
      }
    }
    if (!quiet) progress(true);
    if (session.stage() + 1 >= stages) break;
    if (!quiet)
      std::fprintf(stderr, "generating %d reflow pairs with %s …\n", config.reflowPairs,
                   std::string(solverName(config.pairSolver.solver)).c_str());
    session.advanceStage();
    stageStart = lastPrint = Clock::now();
  }

  Model model = session.model();
  model.target = targetLabel(args);
  saveModel(model, out);
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::fprintf(stderr, "wrote %s: %s, %d stage%s, %.1f s\n", out.c_str(),
               std::string(methodName(config.method)).c_str(), stages, stages == 1 ? "" : "s", total);
  return 0;
}

}  // namespace flowlab::core::cli
