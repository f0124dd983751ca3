// `flowlab train`: builds a TrainerConfig from options, trains every stage with a live progress
// line, and writes the model file atomically.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>

#include "core/base/parallel.hpp"
#include "core/base/stopwatch.hpp"
#include "core/cli/cli_common.hpp"
#include "core/eval/held_out_nll.hpp"
#include "core/io/exports.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/session_io.hpp"
#include "core/objectives/objective.hpp"
#include "core/training/training_session.hpp"

namespace flowlab::core::cli {
namespace {

constexpr const char* kTrainHelp =
    R"(usage: flowlab train (--target NAME | --target-image FILE | --target-points FILE)
                     --method METHOD --out MODEL.json|SESSION.flowlab [options]
       flowlab train --resume SESSION.flowlab [--steps N] [--threads T] [--quiet]
                     --out MODEL.json|SESSION.flowlab

  --target NAME          a built-in target (see 'flowlab targets')
  --target-image FILE    a PNG/JPG whose brightness is the density
    --image-box x0 y0 x1 y1   world rectangle of the image (default -4 -4 4 4)
    --invert                  dark = dense (ink on paper)
  --target-session FILE  the target a session holds (the app's painted one, for example)
  --target-points FILE   points (CSV with header x,y, or an N x 2 .npy): their Gaussian kernel
                         density estimate
    --bandwidth H             the kernels' standard deviation (default: Scott's rule,
                              n^(-1/6) times the points' standard deviation)
  --method M             fm | otcfm | rf | cnf | rkl | realnvp
  --out FILE             model file to write (JSON, every stage); a name ending in .flowlab
                         writes a session instead: the model with its optimiser and random
                         state and the target, which --resume (and the app) continue exactly
  --resume SESSION       continue a session where it stopped, with its own target and
                         settings: the result is the same, bit for bit, as training it
                         without the stop; --steps N changes the steps per stage
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
  --threads T            threads for reflow pair generation and held-out evaluation
                         (default: all cores); a training step always runs on one thread
  --quiet                no progress line (cnf/rkl: the line shows NFE forward/backward
                         per step, and the summary their mean, min and max)

Held-out NLL while training (time to NLL <= H + gap, as the PyTorch peer measures it):
  --eval-every N         every N steps (and after the last) score a fixed held-out target
                         sample: mean -log p under a fine solver (dopri5, rtol = atol = 1e-5)
                         and, for cnf/rkl, under the training solver; prints one line each
  --eval-n M             held-out points (default 5000)
  --gap G                report the training time when the fine-solver NLL first reaches
                         H + G, H the target's entropy (default 0.1; built-in targets only)
  --stop-at-gap          stop training there (the model file holds that step's parameters)
  --loss-log FILE        the loss of every training step: .csv (step,loss) or .npy (N x 2
                         float64)
  --log FILE.csv|.npy    write every checkpoint: step, train_s, train_cpu_s, nll_fine,
                         nll_train_solver, loss, nfe_forward, nfe_backward (.npy: N x 8 float64)
  Training time counts only the optimisation steps (wall, and CPU of the training thread):
  evaluation and printing are excluded.
)";

TrainerConfig configFrom(const Args& args) {
  const std::string methodText = args.requiredText("--method");
  const auto method = parseMethod(methodText);
  if (!method)
    throw UsageError("unknown method '" + methodText +
                     "' (choose fm, otcfm, rf, cnf, rkl or realnvp)");
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
  if (schedule != "cosine" && schedule != "constant")
    throw UsageError("--schedule must be cosine or constant");
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
  } else if (args.has("--solver") || args.has("--solver-steps") || args.has("--rtol") ||
             args.has("--atol")) {
    throw UsageError("solver options apply to --method cnf, rkl and rf (reflow pairs) only");
  }
  if (args.has("--trace") || args.has("--probe") || args.has("--gradient") ||
      args.has("--kinetic") || args.has("--jacobian")) {
    if (!integratesInTraining)
      throw UsageError(
          "--trace, --probe, --gradient, --kinetic and --jacobian apply to --method cnf and rkl "
          "only");
  }
  const std::string trace = args.text("--trace", "exact");
  if (trace != "exact" && trace != "hutchinson")
    throw UsageError("--trace must be exact or hutchinson, got '" + trace + "'");
  c.cnf.trace = trace == "exact" ? TraceEstimator::Exact : TraceEstimator::Hutchinson;
  const std::string probe = args.text("--probe", "gaussian");
  if (probe != "gaussian" && probe != "rademacher")
    throw UsageError("--probe must be gaussian or rademacher, got '" + probe + "'");
  c.cnf.probe = probe == "gaussian" ? HutchinsonProbe::Gaussian : HutchinsonProbe::Rademacher;
  const std::string gradient = args.text("--gradient", "backprop");
  if (gradient != "backprop" && gradient != "adjoint")
    throw UsageError("--gradient must be backprop or adjoint, got '" + gradient + "'");
  c.cnf.gradient = gradient == "backprop" ? GradientMode::Backprop : GradientMode::Adjoint;
  c.cnf.kineticWeight = args.real("--kinetic", 0.0, 0.0, 1e6);
  c.cnf.jacobianWeight = args.real("--jacobian", 0.0, 0.0, 1e6);
  if (const std::string problem = validate(c); !problem.empty()) throw UsageError(problem);
  return c;
}

// Field evaluations per step (cnf/rkl): mean, min and max since the last reset.
struct NfeTally {
  long steps = 0, sumForward = 0, sumBackward = 0;
  long minForward = 0, maxForward = 0, minBackward = 0, maxBackward = 0;

  void add(const ObjectiveStats& s) {
    if (s.nfeForward <= 0) return;  // not an ODE-solving objective
    if (steps == 0) {
      minForward = maxForward = s.nfeForward;
      minBackward = maxBackward = s.nfeBackward;
    }
    ++steps;
    sumForward += s.nfeForward;
    sumBackward += s.nfeBackward;
    minForward = std::min(minForward, s.nfeForward);
    maxForward = std::max(maxForward, s.nfeForward);
    minBackward = std::min(minBackward, s.nfeBackward);
    maxBackward = std::max(maxBackward, s.nfeBackward);
  }
  double meanForward() const { return steps ? double(sumForward) / steps : 0.0; }
  double meanBackward() const { return steps ? double(sumBackward) / steps : 0.0; }
};

// The --eval-every group, validated against the config and target.
struct EvalOptions {
  long every = 0;  // 0: off
  long n = 5000;
  double gap = 0.1;
  double entropy = NAN;  // H of the target (NaN: unknown)
  bool stopAtGap = false;
  std::string log;
};

EvalOptions evalOptionsFrom(const Args& args, const std::string& out) {
  EvalOptions e;
  const bool any =
      args.has("--eval-n") || args.has("--gap") || args.has("--stop-at-gap") || args.has("--log");
  if (!args.has("--eval-every")) {
    if (any) throw UsageError("--eval-n, --gap, --stop-at-gap and --log need --eval-every N");
    return e;
  }
  e.every = args.integer("--eval-every", 0, 1, 1000000000);
  e.n = args.integer("--eval-n", 5000, 1, 1000000);
  e.gap = args.real("--gap", 0.1, 1e-6, 100.0);
  e.stopAtGap = args.has("--stop-at-gap");
  e.log = args.text("--log", "");
  if (args.has("--log")) {
    if (!isTableExportPath(e.log))
      throw UsageError("--log must name a .csv or .npy file, got '" + e.log + "'");
    if (e.log == out) throw UsageError("--log and --out name the same file");
  }
  if (args.has("--target")) {
    if (const TargetInfo* info = findTargetInfo(args.text("--target", "")))
      e.entropy = info->entropy;
  }
  if ((args.has("--gap") || e.stopAtGap) && !std::isfinite(e.entropy))
    throw UsageError("--gap and --stop-at-gap need a built-in --target (its entropy H is known)");
  return e;
}

// One `flowlab train` run: the session, the training clocks (optimisation steps only), the
// progress line, and the held-out checkpoints. Messages go to stderr; nothing is written until
// write().
class TrainRun {
 public:
  // checkpoint: resume it (its config is `config`) instead of starting afresh. lossLog: where
  // write() puts every step's loss ("" for nowhere).
  TrainRun(const TrainerConfig& config, std::shared_ptr<const Target> target,
           const EvalOptions& eval, bool quiet, const TrainingCheckpoint* checkpoint = nullptr,
           std::string lossLog = {})
      : lossLog_(std::move(lossLog)),
        config_(config),
        eval_(eval),
        quiet_(quiet),
        tty_(::isatty(STDERR_FILENO)),
        stages_(stageCount(config)),
        printInterval_(tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000)),
        bar_(eval.entropy + eval.gap),
        session_(checkpoint ? std::make_unique<TrainingSession>(*checkpoint, std::move(target))
                            : std::make_unique<TrainingSession>(config, std::move(target))) {
    if (eval.every > 0)
      heldOut_ =
          std::make_unique<HeldOutNll>(*session_->target(), eval.n, config.seed, config.threads);
  }

  // Trains every stage (generating reflow pairs between them) or until --stop-at-gap.
  void trainAllStages() {
    for (;;) {
      trainStage();
      warnIfDiverged();
      if (!quiet_) printProgress(true);
      printStageNfe();
      if (stopped_ || session_->stage() + 1 >= stages_) return;
      generatePairs();
    }
  }

  // The time-to-gap summary line (when --eval-every ran against a known entropy).
  void reportGap() const {
    if (!heldOut_ || !std::isfinite(bar_)) return;
    if (reachedIndex_ >= 0) {
      const NllCheckpoint& r = checkpoints_[static_cast<std::size_t>(reachedIndex_)];
      std::fprintf(
          stderr,
          "held-out NLL <= H + %g = %.4f (H = %.3f, %ld points, fine solver) first at step "
          "%ld: %.3f s training (%.3f s CPU), NLL %.4f%s\n",
          eval_.gap, bar_, eval_.entropy, heldOut_->size(), r.step, r.trainSeconds,
          r.trainCpuSeconds, r.nllFine, stopped_ ? "; stopped there" : "");
    } else {
      std::fprintf(stderr, "held-out NLL did not reach H + %g = %.4f in %ld steps (last %.4f)\n",
                   eval_.gap, bar_, session_->totalSteps(),
                   checkpoints_.empty() ? NAN : checkpoints_.back().nllFine);
    }
  }

  // Writes the model or the session (and the --log CSV) atomically and prints the closing line.
  void write(const std::string& out, const std::string& targetLabel) const {
    if (endsWith(out, kSessionExtension)) {
      Session s;
      s.target = session_->target();
      s.training = session_->checkpoint();
      s.training.model.target = targetLabel;
      saveSession(s, out);
    } else {
      Model model = session_->model();
      model.target = targetLabel;
      saveModel(model, out);
    }
    if (!eval_.log.empty()) writeCheckpointsFile(eval_.log, checkpoints_);
    if (!lossLog_.empty()) writeLossFile(lossLog_, loss_);
    const double total = secondsSince(start_);
    std::fprintf(stderr,
                 "wrote %s%s%s: %s, %d stage%s, %.1f s (training steps %.1f s, %.1f s CPU)\n",
                 out.c_str(), eval_.log.empty() ? "" : " and ", eval_.log.c_str(),
                 std::string(methodName(config_.method)).c_str(), stages_, stages_ == 1 ? "" : "s",
                 total, clock_.wallSeconds(), clock_.cpuSeconds());
  }

 private:
  using Clock = std::chrono::steady_clock;

  const char* clearLine() const { return tty_ ? "\r\033[K" : ""; }

  void trainStage() {
    while (!session_->stageDone() && !stopped_) {
      clock_.start();
      stageClock_.start();
      const TrainingSession::StepResult result = session_->step();
      if (!lossLog_.empty()) loss_.push_back({session_->totalSteps(), float(result.loss)});
      stageClock_.stop();
      clock_.stop();
      const ObjectiveStats st = session_->objectiveStats();
      stageNfe_.add(st);
      lineNfe_.add(st);
      if (result.restored && ++nonFinite_ > 20)
        throw std::runtime_error("training diverged (loss is not finite) at step " +
                                 std::to_string(session_->totalSteps()) +
                                 "; try a lower --lr or --clip; nothing was written");
      const double smoothed = session_->smoothedLoss();
      if (std::isfinite(smoothed) && smoothed < bestLoss_) {
        bestLoss_ = smoothed;
        bestStep_ = session_->totalSteps();
      }
      const bool lastStep = session_->stageDone() && session_->stage() + 1 >= stages_;
      if (heldOut_ && (session_->totalSteps() % eval_.every == 0 || lastStep))
        stopped_ = checkpoint();
      if (!quiet_ && Clock::now() - lastPrint_ >= printInterval_) {
        printProgress(false);
        lastPrint_ = Clock::now();
      }
    }
  }

  // A stage whose (smoothed) loss ends far above the best it reached diverged, though every
  // loss stayed finite (too large a learning rate): say so; the model is still written.
  void warnIfDiverged() {
    const double final = session_->smoothedLoss();
    const double allowed = bestLoss_ + std::max(std::abs(bestLoss_), 2.0);
    if (std::isfinite(bestLoss_) && !(final <= allowed))
      std::fprintf(stderr,
                   "%swarning: stage %d diverged: its loss ended at %.4g, far above the %.4g it "
                   "reached at step %ld; try a lower --lr or --clip\n",
                   clearLine(), session_->stage() + 1, final, bestLoss_, bestStep_);
    bestLoss_ = std::numeric_limits<double>::infinity();
  }

  // Rectified flow: the next stage's pairs (x0, ODE(x0)) from the stage just trained.
  void generatePairs() {
    const std::string solver(solverName(config_.pairSolver.solver));
    auto pairProgress = [&](double done) {
      if (!quiet_ && Clock::now() - lastPrint_ >= printInterval_) {
        std::fprintf(stderr, "%sgenerating %d reflow pairs with %s: %.0f%%%s", clearLine(),
                     config_.reflowPairs, solver.c_str(), 100.0 * done, tty_ ? "" : "\n");
        lastPrint_ = Clock::now();
      }
      return true;
    };
    if (!quiet_)
      std::fprintf(stderr, "generating %d reflow pairs with %s …%s", config_.reflowPairs,
                   solver.c_str(), tty_ ? "" : "\n");
    lastPrint_ = Clock::now();
    session_->advanceStage(pairProgress);
    if (!quiet_ && tty_) std::fprintf(stderr, "\r\033[K");
    stageClock_ = {};
    stageNfe_ = {};
    lastPrint_ = Clock::now();
  }

  void printProgress(bool final) {
    const double elapsed = stageClock_.wallSeconds();
    const double rate = elapsed > 0 ? session_->stageStep() / elapsed : 0.0;
    const double eta = rate > 0 ? (config_.steps - session_->stageStep()) / rate : NAN;
    char nfe[64] = "";
    if (lineNfe_.steps > 0)
      std::snprintf(nfe, sizeof nfe, "  NFE f/b %.0f/%.0f", lineNfe_.meanForward(),
                    lineNfe_.meanBackward());
    std::fprintf(stderr, "%sstage %d/%d  step %ld/%ld  loss %.4f%s  %.0f steps/s  %s %s%s",
                 tty_ ? "\r" : "", session_->stage() + 1, stages_, session_->stageStep(),
                 config_.steps, session_->smoothedLoss(), nfe, rate, final ? "took" : "ETA",
                 formatSeconds(final ? elapsed : eta).c_str(), tty_ && !final ? "   " : "\n");
    lineNfe_ = {};
    std::fflush(stderr);
  }

  void printStageNfe() const {
    if (stageNfe_.steps == 0) return;
    std::fprintf(stderr,
                 "NFE per step over %ld steps: forward mean %.1f (min %ld, max %ld), backward "
                 "mean %.1f (min %ld, max %ld)\n",
                 stageNfe_.steps, stageNfe_.meanForward(), stageNfe_.minForward,
                 stageNfe_.maxForward, stageNfe_.meanBackward(), stageNfe_.minBackward,
                 stageNfe_.maxBackward);
  }

  // Scores the held-out set now; returns true when training should stop (--stop-at-gap).
  bool checkpoint() {
    NllCheckpoint c;
    c.step = session_->totalSteps();
    c.trainSeconds = clock_.wallSeconds();
    c.trainCpuSeconds = clock_.cpuSeconds();
    c.loss = session_->smoothedLoss();
    const ObjectiveStats st = session_->objectiveStats();
    c.nfeForward = st.nfeForward;
    c.nfeBackward = st.nfeBackward;
    try {
      heldOut_->score(config_, session_->params(), c.nllFine, c.nllTrainSolver);
    } catch (const std::exception& e) {
      // A solve that gives up (e.g. Dopri5 on a wild early field) is a missing point, not the
      // end of training; say so.
      c.nllFine = c.nllTrainSolver = NAN;
      std::fprintf(stderr, "%swarning: step %ld: held-out NLL not computed: %s\n", clearLine(),
                   c.step, e.what());
    }
    checkpoints_.push_back(c);
    const bool hit = reachedIndex_ < 0 && std::isfinite(bar_) && c.nllFine <= bar_;
    if (hit) reachedIndex_ = static_cast<long>(checkpoints_.size()) - 1;
    if (!quiet_) printCheckpoint(c, hit);
    warnOnSolverDrift(c);
    return hit && eval_.stopAtGap;
  }

  void printCheckpoint(const NllCheckpoint& c, bool hit) const {
    char trainSolver[64] = "";
    if (std::isfinite(c.nllTrainSolver))
      std::snprintf(trainSolver, sizeof trainSolver, "  (training solver %.4f)", c.nllTrainSolver);
    std::fprintf(stderr, "%sstep %ld  train %.2f s (%.2f s CPU)  held-out NLL %.4f%s%s\n",
                 clearLine(), c.step, c.trainSeconds, c.trainCpuSeconds, c.nllFine, trainSolver,
                 hit ? "  <= H + gap" : "");
  }

  // The same threshold as `flowlab eval`: a model that learns the training solver's
  // discretisation error scores better under it than under the fine solver. Said once.
  void warnOnSolverDrift(const NllCheckpoint& c) {
    if (warnedDrift_ || !(std::abs(c.nllTrainSolver - c.nllFine) > kSolverDriftNats)) return;
    warnedDrift_ = true;
    std::fprintf(stderr,
                 "%swarning: step %ld: held-out NLL under the training solver (%.4f) and a fine "
                 "solver (%.4f) differ by %.3f nats: the model may be exploiting the training "
                 "solver's discretisation; trust the fine-solver figure\n",
                 clearLine(), c.step, c.nllTrainSolver, c.nllFine,
                 std::abs(c.nllTrainSolver - c.nllFine));
  }

  const std::string lossLog_;
  const TrainerConfig config_;
  const EvalOptions eval_;
  const bool quiet_, tty_;
  const int stages_;
  const std::chrono::milliseconds printInterval_;
  const double bar_;  // H + gap (NaN when H is unknown)
  std::unique_ptr<TrainingSession> session_;
  std::vector<LossSample> loss_;  // every step's, when lossLog_ is set
  std::unique_ptr<HeldOutNll> heldOut_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point lastPrint_ = start_;
  TrainingClock clock_, stageClock_;
  NfeTally stageNfe_, lineNfe_;
  long nonFinite_ = 0;
  std::vector<NllCheckpoint> checkpoints_;
  long reachedIndex_ = -1;
  bool warnedDrift_ = false, stopped_ = false;
  double bestLoss_ = std::numeric_limits<double>::infinity();  // of this stage, smoothed
  long bestStep_ = 0;
};

}  // namespace

// --loss-log FILE.csv|.npy, "" when not given; never the same file as --out or --log.
std::string lossLogFrom(const Args& args, const std::string& out) {
  const std::string path = args.text("--loss-log", "");
  if (path.empty()) return path;
  if (!isTableExportPath(path))
    throw UsageError("--loss-log must end in .csv or .npy, got '" + path + "'");
  if (path == out || path == args.text("--log", ""))
    throw UsageError("--loss-log names the same file as --out or --log");
  return path;
}

// train --resume SESSION: the session's own target and settings; only the steps per stage and
// the thread count may change (neither changes what one step computes).
int resumeTrain(const Args& args, const std::string& out) {
  for (const std::string& option : args.given())
    if (option != "--resume" && option != "--out" && option != "--steps" && option != "--threads" &&
        option != "--quiet")
      throw UsageError(option +
                       " cannot be given with --resume: the session keeps its own "
                       "target and settings (only --steps, --threads and --quiet may change)");
  const std::string path = args.text("--resume", "");
  Session session = loadSession(path);
  TrainerConfig& config = session.training.model.config;
  config.steps = args.integer("--steps", config.steps, 1, 1000000000);
  config.threads = static_cast<int>(args.integer("--threads", config.threads, 1, 256));
  checkWritable(out);
  TrainRun run(config, session.target, EvalOptions{}, args.has("--quiet"), &session.training);
  run.trainAllStages();
  run.write(out, session.training.model.target);
  return 0;
}

int runTrain(int argc, char** argv) {
  std::vector<OptionSpec> specs = {
      {"--help", 0},         {"--method", 1},       {"--out", 1},     {"--steps", 1},
      {"--reflow", 1},       {"--reflow-pairs", 1}, {"--batch", 1},   {"--lr", 1},
      {"--weight-decay", 1}, {"--schedule", 1},     {"--clip", 1},    {"--hidden", 1},
      {"--layers", 1},       {"--activation", 1},   {"--fourier", 1}, {"--sigma", 1},
      {"--couplings", 1},    {"--seed", 1},         {"--threads", 1}, {"--trace", 1},
      {"--probe", 1},        {"--gradient", 1},     {"--kinetic", 1}, {"--jacobian", 1},
      {"--quiet", 0},        {"--eval-every", 1},   {"--eval-n", 1},  {"--gap", 1},
      {"--stop-at-gap", 0},  {"--log", 1},          {"--resume", 1},  {"--loss-log", 1}};
  for (auto group : {solverOptions(), targetOptions()})
    specs.insert(specs.end(), group.begin(), group.end());
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kTrainHelp;
    return 0;
  }
  expectPositional(args, 0, "");
  const std::string out = args.requiredText("--out");
  if (args.has("--resume")) return resumeTrain(args, out);
  const TrainerConfig config = configFrom(args);
  const EvalOptions eval = evalOptionsFrom(args, out);
  const std::string lossLog = lossLogFrom(args, out);
  auto target = targetFrom(args, true);
  for (const auto& [option, path] :
       {std::pair{"--out", out}, std::pair{"--log", eval.log}, std::pair{"--loss-log", lossLog}}) {
    if (path.empty()) continue;
    refuseOverwritingInputs(args, option, path);
    checkWritable(path);
  }

  TrainRun run(config, std::move(target), eval, args.has("--quiet"), nullptr, lossLog);
  run.trainAllStages();
  run.reportGap();
  run.write(out, targetLabel(args));
  return 0;
}

}  // namespace flowlab::core::cli
