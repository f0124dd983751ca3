// The trainer thread: takes commands, applies them, steps a TrainingSession (or idles, waiting
// for a command), and publishes immutable snapshots about every 40 ms. Held-out metrics are
// measured every few seconds, at the end of every stage and when training finishes; a
// non-finite loss or an exception becomes a paused, explained state instead of a crash.
#include "core/training/trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "core/base/stopwatch.hpp"
#include "core/base/thread_setup.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/held_out_nll.hpp"
#include "core/eval/metrics.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPublishInterval = std::chrono::milliseconds(40);
constexpr auto kMetricsInterval = std::chrono::milliseconds(3000);
constexpr auto kProgressInterval = std::chrono::milliseconds(100);

// W2 between two independent target samples of MetricSample::kW2Points each, averaged over a
// few pairs: what a perfect model's W2 would read at that n.
double w2FloorOf(const Target& target, Rng& rng) {
  constexpr int kPairs = 4;
  Points a(2, MetricSample::kW2Points), b(2, MetricSample::kW2Points);
  double sum = 0.0;
  for (int k = 0; k < kPairs; ++k) {
    target.sample(a, rng);
    target.sample(b, rng);
    sum += w2Exact(a, b);
  }
  return sum / kPairs;
}

// Held-out metrics of the session's current parameters: W2 of the model's samples against fresh
// target samples, the NLL of a held-out target sample under the model's density (fine solver,
// and the training solver for cnf/rkl), and, for flows with a velocity field, the straightness
// and NFE of their paths.
MetricSample measureMetrics(const TrainingSession& session, const HeldOutNll& heldOut, Rng& rng,
                            double w2Floor) {
  MetricSample m;
  m.step = session.totalSteps();
  m.stage = session.stage();
  m.w2Floor = w2Floor;
  const TrainerConfig& config = session.config();
  const ParamVec& params = session.params();
  const int n = MetricSample::kW2Points;
  Points data(2, n), x(2, n);
  session.target()->sample(data, rng);
  rng.fillNormal(x);
  FlowEvaluator flow(config, params);
  if (flow.continuous()) {
    const SolverConfig solver{Solver::RK4, 32, 1e-5, 1e-5, 100000};
    const PathMetrics path = pathMetrics(flow.velocityFn(), x, solver, &x);
    m.straightness = path.straightness;
    m.nfe = path.nfe;
  } else {
    flow.sample(x, SolverConfig{});
  }
  if (x.allFinite() && data.allFinite()) m.w2 = w2Exact(x, data);
  heldOut.score(config, params, m.nll, m.nllTrainSolver);
  return m;
}

// Keeps the metrics history bounded (Snapshot::kMetricsHistory), as the loss and parameter
// histories are: past the bound, every other sample of the older half goes, except each stage's
// last (its final figures), so the chart still spans the whole run at a resolution that halves
// for older steps — and a snapshot's copy of it costs the same after hours as after minutes.
// (A resumed session's longer history takes a few rounds; stages are few, so each round thins.)
void thinMetrics(std::vector<MetricSample>& metrics) {
  while (metrics.size() > Snapshot::kMetricsHistory) {
    const std::size_t older = metrics.size() / 2;
    std::vector<MetricSample> kept;
    kept.reserve(metrics.size());
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const bool stageEnd = i + 1 < metrics.size() && metrics[i + 1].stage != metrics[i].stage;
      if (i >= older || i % 2 == 0 || stageEnd) kept.push_back(metrics[i]);
    }
    metrics = std::move(kept);
  }
}

}  // namespace

const char* statusName(TrainerStatus s) {
  switch (s) {
    case TrainerStatus::Running:
      return "running";
    case TrainerStatus::Preparing:
      return "preparing";
    case TrainerStatus::Paused:
      return "paused";
    case TrainerStatus::Finished:
      return "finished";
    case TrainerStatus::Diverged:
      return "diverged";
    case TrainerStatus::Error:
      return "error";
  }
  return "?";
}

// What the UI asked for since the thread last looked.
struct Trainer::Commands {
  bool reset = false;
  std::optional<TrainerConfig> config;
  std::shared_ptr<const Target> target;  // null: unchanged
  std::uint64_t targetVersion = 0;
  bool paused = false;
  long budget = 0;  // single steps still to run while paused
  Clock::time_point yieldUntil{};
  std::uint64_t serial = 0;  // of the newest command taken
  std::vector<std::promise<TrainerRecord>> records;
  std::shared_ptr<const TrainerRecord> resume;
};

// The thread's own state (nothing else touches it).
struct Trainer::Loop {
  std::unique_ptr<TrainingSession> session;
  TrainerConfig config;
  std::shared_ptr<const Target> target;
  std::uint64_t targetVersion = 0;
  std::deque<LossSample> loss;
  std::vector<MetricSample> metrics;
  TrainerStatus status = TrainerStatus::Paused;
  std::string message;
  double progress = 0.0;
  std::uint64_t resets = 0;
  Rng metricRng{0x5eed};
  // Per target version: the W2 floor and a held-out sample for the NLL.
  double w2Floor = std::numeric_limits<double>::quiet_NaN();
  std::unique_ptr<HeldOutNll> heldOut;
  std::uint64_t metricsTargetVersion = std::numeric_limits<std::uint64_t>::max();
  // The parameters at the last metrics that showed no solver drift, to rewind to.
  ParamVec good;
  long goodStep = 0;
  Clock::time_point lastPublish = Clock::now(), lastMetrics = Clock::now();
  long stepsSincePublish = 0;
  double stepsPerSecond = 0.0;
  bool dirty = true;  // something to publish even though no step ran
  std::uint64_t version = 0;
  ParamHistory history;
  std::shared_ptr<const std::vector<HistoryEntry>> historyShared;  // as last published
  // Wall time training (Snapshot::trainingSeconds): counted while active, from activeSince.
  double activeSeconds = 0.0;
  std::optional<Clock::time_point> activeSince;
  std::vector<double> stageSeconds, stageEnds;

  // Counts the wall time since the last tick if training was active, and whether it is now.
  void tick(bool active) {
    const auto now = Clock::now();
    if (activeSince) activeSeconds += std::chrono::duration<double>(now - *activeSince).count();
    activeSince = active ? std::optional(now) : std::nullopt;
  }
  void clearTimes() {
    activeSeconds = 0.0;
    activeSince.reset();
    stageSeconds.clear();
    stageEnds.clear();
  }

  std::shared_ptr<Snapshot> snapshot() {
    auto snap = std::make_shared<Snapshot>();
    snap->version = ++version;
    snap->status = status;
    snap->message = message;
    snap->progress = progress;
    snap->resets = resets;
    snap->target = target;
    snap->targetVersion = targetVersion;
    snap->stepsPerSecond = stepsPerSecond;
    snap->trainingSeconds = activeSeconds;
    snap->stageSeconds = stageSeconds;
    snap->stageEnds = stageEnds;
    snap->loss.assign(loss.begin(), loss.end());
    snap->metrics = metrics;
    if (session) {
      snap->step = session->stageStep();
      snap->totalSteps = session->totalSteps();
      snap->stage = session->stage();
      auto model = std::make_shared<Model>(session->model());
      model->target = target ? target->name() : std::string();
      snap->model = std::move(model);
      if (history.offer(session->stage(), session->stageStep(), session->totalSteps(),
                        session->params()) ||
          !historyShared)
        historyShared = std::make_shared<const std::vector<HistoryEntry>>(history.entries());
    }
    snap->history = historyShared;
    return snap;
  }

  // Metrics of the current parameters, appended; a failure leaves them out (they are advisory).
  // Returns the solver drift in nats (0 when the method has no training solver).
  double measure() {
    double drift = 0.0;
    try {
      if (targetVersion != metricsTargetVersion) {
        w2Floor = w2FloorOf(*target, metricRng);
        heldOut = std::make_unique<HeldOutNll>(*target, MetricSample::kW2Points, 0x4d37, 1);
        metricsTargetVersion = targetVersion;
      }
      metrics.push_back(measureMetrics(*session, *heldOut, metricRng, w2Floor));
      thinMetrics(metrics);
      const MetricSample& m = metrics.back();
      if (std::isfinite(m.nllTrainSolver)) drift = std::abs(m.nllTrainSolver - m.nll);
      if (!(drift > kSolverDriftNats)) {
        good = session->params();
        goodStep = session->totalSteps();
      }
    } catch (const std::exception&) {
    }
    lastMetrics = Clock::now();
    return drift;
  }
};

Trainer::Trainer(const TrainerConfig& config, std::shared_ptr<const Target> target,
                 bool startPaused, bool background)
    : pendingConfig_(config),
      configPending_(true),
      pendingTarget_(std::move(target)),
      targetPending_(true),
      paused_(startPaused),
      background_(background) {
  auto first = std::make_shared<Snapshot>();
  first->status = TrainerStatus::Paused;
  first->target = pendingTarget_;
  first->message = "starting";
  snapshot_ = std::move(first);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Trainer::~Trainer() {
  thread_.request_stop();
  commandArrived_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Trainer::setPaused(bool paused) {
  {
    std::lock_guard lock(mutex_);
    paused_ = paused;
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

bool Trainer::paused() const {
  std::lock_guard lock(mutex_);
  return paused_;
}

void Trainer::stepOnce(long n) {
  {
    std::lock_guard lock(mutex_);
    stepBudget_ += std::max(0L, n);
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

void Trainer::submit(const TrainerConfig& config) {
  {
    std::lock_guard lock(mutex_);
    pendingConfig_ = config;
    configPending_ = true;
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

void Trainer::setTarget(std::shared_ptr<const Target> target) {
  if (!target) return;
  {
    std::lock_guard lock(mutex_);
    pendingTarget_ = std::move(target);
    ++pendingTargetVersion_;
    targetPending_ = true;
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

void Trainer::reset() {
  {
    std::lock_guard lock(mutex_);
    resetPending_ = true;
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

std::future<TrainerRecord> Trainer::record() {
  std::future<TrainerRecord> answer;
  {
    std::lock_guard lock(mutex_);
    recordRequests_.emplace_back();
    answer = recordRequests_.back().get_future();
    ++commandSerial_;
  }
  commandArrived_.notify_all();
  return answer;
}

void Trainer::resume(std::shared_ptr<const TrainerRecord> record) {
  if (!record) return;
  {
    std::lock_guard lock(mutex_);
    pendingResume_ = std::move(record);
    configPending_ = false;  // the record's config replaces any change not yet applied
    resetPending_ = false;
    ++commandSerial_;
  }
  commandArrived_.notify_all();
}

void Trainer::yieldUntil(Clock::time_point until) {
  bool sooner = false;
  {
    std::lock_guard lock(mutex_);
    sooner = until < yieldUntil_;
    yieldUntil_ = until;
    if (sooner) ++commandSerial_;  // wakes a sleep that should end earlier
  }
  if (sooner) commandArrived_.notify_all();
}

std::shared_ptr<const Snapshot> Trainer::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::shared_ptr<const Snapshot> Trainer::waitForNewer(std::uint64_t version,
                                                      std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  published_.wait_for(lock, timeout, [&] { return snapshot_->version > version; });
  return snapshot_;
}

Trainer::Commands Trainer::takeCommands() {
  std::lock_guard lock(mutex_);
  Commands c;
  c.reset = std::exchange(resetPending_, false);
  if (std::exchange(configPending_, false)) c.config = pendingConfig_;
  if (std::exchange(targetPending_, false)) c.target = pendingTarget_;
  c.targetVersion = pendingTargetVersion_;
  c.paused = paused_;
  c.budget = stepBudget_;
  c.yieldUntil = yieldUntil_;
  c.serial = commandSerial_;
  c.records = std::exchange(recordRequests_, {});
  c.resume = std::exchange(pendingResume_, nullptr);
  return c;
}

void Trainer::waitForCommand(std::stop_token stop, std::uint64_t seen) {
  std::unique_lock lock(mutex_);
  commandArrived_.wait(lock, stop, [&] { return commandSerial_ != seen; });
}

void Trainer::sleepUntil(std::stop_token stop, std::uint64_t seen, Clock::time_point until) {
  std::unique_lock lock(mutex_);
  commandArrived_.wait_until(lock, stop, until, [&] { return commandSerial_ != seen; });
}

void Trainer::publish(std::shared_ptr<const Snapshot> snapshot) {
  {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
  }
  published_.notify_all();
}

void Trainer::fail(Loop& loop, TrainerStatus status, std::string message) {
  loop.status = status;
  loop.message = std::move(message);
  loop.stepsPerSecond = 0.0;
  {
    std::lock_guard lock(mutex_);
    paused_ = true;
    stepBudget_ = 0;  // single steps asked for before the failure are not taken after it
  }
  publish(loop.snapshot());
}

void Trainer::answerRecords(Loop& loop, Commands& cmd) {
  for (std::promise<TrainerRecord>& request : cmd.records) {
    if (!loop.session) {
      request.set_exception(
          std::make_exception_ptr(std::runtime_error("there is no model to save")));
      continue;
    }
    TrainerRecord r;
    r.training = loop.session->checkpoint();
    r.training.model.target = loop.target ? loop.target->name() : std::string();
    r.loss.assign(loop.loss.begin(), loop.loss.end());
    r.metrics = loop.metrics;
    r.history = loop.history.entries();
    r.historyGrowth = loop.history.growth();
    request.set_value(std::move(r));
  }
  cmd.records.clear();
}

void Trainer::answerRecordsNow(Loop& loop) {
  Commands cmd;
  {
    std::lock_guard lock(mutex_);
    cmd.records = std::exchange(recordRequests_, {});
  }
  answerRecords(loop, cmd);
}

void Trainer::resumeFrom(Loop& loop, const TrainerRecord& record, std::stop_token stop) {
  loop.session.reset();
  loop.config = record.training.model.config;
  try {
    loop.status = TrainerStatus::Preparing;
    loop.session = std::make_unique<TrainingSession>(
        record.training, loop.target,
        pairProgress(loop, stop, static_cast<int>(record.training.model.stages.size())));
  } catch (const std::exception& e) {
    loop.session.reset();
    fail(loop, TrainerStatus::Error, std::string("could not open the saved model: ") + e.what());
    return;
  }
  loop.config = loop.session->config();
  ++loop.resets;
  loop.history.clear();
  try {
    loop.history.restore(record.history, record.historyGrowth);
  } catch (const std::invalid_argument&) {
    loop.history.clear();  // a history that does not fit is dropped; the model is what matters
  }
  loop.historyShared.reset();
  loop.clearTimes();
  loop.loss.assign(record.loss.begin(), record.loss.end());
  loop.metrics = record.metrics;
  loop.message.clear();
  loop.progress = 0.0;
  loop.status = TrainerStatus::Paused;
  loop.lastMetrics = Clock::now();
  loop.dirty = true;
}

void Trainer::apply(Loop& loop, Commands& cmd) {
  if (cmd.target) {
    loop.target = cmd.target;
    loop.targetVersion = cmd.targetVersion;
    if (loop.session) loop.session->setTarget(loop.target);
    loop.dirty = true;
  }
  const bool fresh =
      cmd.reset ||
      (cmd.config && (!loop.session || needsReset(loop.session->config(), *cmd.config)));
  try {
    if (fresh) {
      if (cmd.config) loop.config = *cmd.config;
      loop.session.reset();
      loop.session = std::make_unique<TrainingSession>(loop.config, loop.target);
      ++loop.resets;
      loop.history.clear();
      loop.historyShared.reset();
      loop.clearTimes();
      loop.loss.clear();
      loop.metrics.clear();
      loop.message.clear();
      loop.lastMetrics = Clock::now();
      if (loop.status == TrainerStatus::Error || loop.status == TrainerStatus::Diverged)
        loop.status = TrainerStatus::Paused;
      loop.dirty = true;
    } else if (cmd.config) {
      loop.session->applyLive(*cmd.config);
      loop.config = *cmd.config;
      loop.dirty = true;
    }
  } catch (const std::exception& e) {
    // A model that cannot be built is gone; a live change that cannot apply leaves it as is.
    if (fresh) loop.session.reset();
    fail(loop, TrainerStatus::Error, e.what());
  }
}

bool Trainer::idle(Loop& loop, const Commands& cmd) {
  const bool finished = loop.session && loop.session->finished();
  if (loop.session && !finished && !(cmd.paused && cmd.budget == 0)) return false;
  loop.tick(false);
  if (loop.session) {
    const TrainerStatus status = finished ? TrainerStatus::Finished : TrainerStatus::Paused;
    const bool failed =
        loop.status == TrainerStatus::Diverged || loop.status == TrainerStatus::Error;
    if ((!failed && loop.status != status) || loop.dirty) {
      if (finished && loop.status != TrainerStatus::Finished) {
        loop.stageEnds.push_back(loop.activeSeconds);
        loop.measure();  // the final stage, at its last step
        loop.message = "all stages trained";
      }
      if (!failed) loop.status = status;
      loop.stepsPerSecond = 0.0;
      publish(loop.snapshot());
      loop.dirty = false;
    }
  }
  return true;
}

bool Trainer::step(Loop& loop, const Commands& cmd) {
  if (cmd.paused) {
    std::lock_guard lock(mutex_);
    stepBudget_ = std::max(0L, stepBudget_ - 1);
  }
  TrainingSession& session = *loop.session;
  TrainingSession::StepResult result;
  const auto began = Clock::now();
  try {
    result = session.step();
    const auto stage = static_cast<std::size_t>(session.stage());
    if (loop.stageSeconds.size() <= stage) loop.stageSeconds.resize(stage + 1, 0.0);
    loop.stageSeconds[stage] += secondsSince(began);
  } catch (const std::exception& e) {
    fail(loop, TrainerStatus::Error, std::string("training step failed: ") + e.what());
    return false;
  }
  ++loop.stepsSincePublish;
  if (result.restored) {
    fail(loop, TrainerStatus::Diverged,
         "loss became " + std::string(std::isnan(result.loss) ? "NaN" : "infinite") + " at step " +
             std::to_string(session.totalSteps()) +
             "; restored the last good parameters and paused (try a lower learning rate)");
    return false;
  }
  loop.status = TrainerStatus::Running;
  loop.message.clear();
  loop.loss.push_back(LossSample{session.totalSteps(), static_cast<float>(result.loss)});
  if (loop.loss.size() > Snapshot::kLossHistory) loop.loss.pop_front();
  return true;
}

bool Trainer::nextStage(Loop& loop, std::stop_token stop) {
  TrainingSession& session = *loop.session;
  if (!session.stageDone() || session.finished()) return true;
  loop.tick(true);
  loop.stageEnds.push_back(loop.activeSeconds);
  // The stage's final metrics, unless measured already (a record saved while its pairs were
  // being generated resumes here).
  if (loop.metrics.empty() || loop.metrics.back().step != session.totalSteps()) loop.measure();
  loop.status = TrainerStatus::Preparing;
  try {
    if (!session.advanceStage(pairProgress(loop, stop, session.stage() + 2)))
      return false;  // stopping
  } catch (const std::exception& e) {
    fail(loop, TrainerStatus::Error, std::string("could not start the next stage: ") + e.what());
    return true;
  }
  loop.status = TrainerStatus::Running;
  loop.message.clear();
  loop.progress = 0.0;
  loop.lastMetrics = Clock::now();  // metrics are due after training time, not after the pairs'
  loop.dirty = true;
  return true;
}

std::function<bool(double)> Trainer::pairProgress(Loop& loop, std::stop_token stop, int forStage) {
  auto lastProgress = std::make_shared<Clock::time_point>(Clock::now() - kProgressInterval);
  return [this, &loop, stop, forStage, lastProgress](double done) {
    if (Clock::now() - *lastProgress >= kProgressInterval) {
      loop.progress = done;
      loop.stepsPerSecond = 0.0;
      loop.message = "stage " + std::to_string(forStage - 1) + " done; generating " +
                     std::to_string(loop.config.reflowPairs) + " reflow pairs for stage " +
                     std::to_string(forStage) + " (" +
                     std::to_string(static_cast<int>(100.0 * done)) + "%)";
      publish(loop.snapshot());
      *lastProgress = Clock::now();
    }
    // A save must not wait for the pairs (minutes under a sanitizer, or with many pairs). The
    // record is the finished stage before its pairs, which resumes to the same bytes: the pairs
    // depend only on the seed and the finished stage's weights.
    if (loop.session) answerRecordsNow(loop);
    return !stop.stop_requested();
  };
}

bool Trainer::measureAndGuard(Loop& loop) {
  if (Clock::now() - loop.lastMetrics < kMetricsInterval) return true;
  TrainingSession& session = *loop.session;
  const double drift = loop.measure();
  if (!(drift > kSolverDriftNats) || loop.good.size() != session.params().size()) return true;
  const MetricSample& m = loop.metrics.back();
  char text[320];
  std::snprintf(text, sizeof text,
                "at step %ld the held-out NLL was %.3f under the training solver but %.3f under a "
                "fine one: the model began to exploit the solver's error. Rewound to step %ld and "
                "paused (try more solver steps or a lower learning rate)",
                m.step, m.nllTrainSolver, m.nll, loop.goodStep);
  session.rewind(loop.good);
  fail(loop, TrainerStatus::Diverged, text);
  return false;
}

void Trainer::publishIfDue(Loop& loop) {
  const auto now = Clock::now();
  if (now - loop.lastPublish < kPublishInterval && !loop.dirty) return;
  const double dt = std::chrono::duration<double>(now - loop.lastPublish).count();
  loop.stepsPerSecond = dt > 0.0 ? loop.stepsSincePublish / dt : 0.0;
  loop.stepsSincePublish = 0;
  loop.lastPublish = now;
  publish(loop.snapshot());
  loop.dirty = false;
}

// The thread: take commands, apply them, idle until the next command or take one step, finish
// a stage, measure, publish.
void Trainer::run(std::stop_token stop) {
  nameThisThread("flowlab-train");
  if (background_) lowerThisThreadPriority();
  Loop loop;
  while (!stop.stop_requested()) {
    Commands cmd = takeCommands();
    apply(loop, cmd);
    if (cmd.resume) resumeFrom(loop, *cmd.resume, stop);
    answerRecords(loop, cmd);
    const bool idling = idle(loop, cmd);
    const bool yielding = !idling && cmd.yieldUntil > Clock::now();
    loop.tick(!idling && !yielding);
    if (idling) {
      waitForCommand(stop, cmd.serial);
      continue;
    }
    if (yielding) {
      sleepUntil(stop, cmd.serial, cmd.yieldUntil);
      continue;
    }
    // A finished stage whose next one is not prepared yet (resumed from a record saved while
    // its pairs were generated, or a failed preparation) goes straight to preparing it.
    if (!loop.session->stageDone() && !step(loop, cmd)) continue;
    if (!nextStage(loop, stop)) break;
    if (!measureAndGuard(loop)) continue;
    publishIfDue(loop);
  }
}

}  // namespace flowlab::core
