// The trainer thread: steps a TrainingSession, applies commands between steps, publishes
// immutable snapshots about every 40 ms, measures held-out metrics every few seconds, and turns
// a non-finite loss or an exception into a paused, explained state instead of a crash.
#include "core/trainer.hpp"

#include <chrono>
#include <cmath>
#include <deque>
#include <exception>

#include "core/flow.hpp"
#include "core/metrics.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPublishInterval = std::chrono::milliseconds(40);
constexpr auto kMetricsInterval = std::chrono::milliseconds(3000);
constexpr long kMarkGoodEvery = 100;

// Held-out metrics of the current parameters: W2 against fresh target samples and (for flows
// with a density) NLL of fresh target samples, on a small fixed-size set.
MetricSample measureMetrics(const TrainingSession& session, Rng& rng) {
  MetricSample m;
  m.step = session.totalSteps();
  const Model model = session.model();
  const ParamVec& params = model.stages.back().params;
  const int n = MetricSample::kW2Points;
  Points data(2, n);
  session.target()->sample(data, rng);
  FlowEvaluator flow(model.config, params);
  if (flow.continuous()) {
    Points x(2, n);
    rng.fillNormal(x);
    const SolverConfig solver{Solver::RK4, 32, 1e-5, 1e-5, 100000};
    const PathMetrics path = pathMetrics(flow.velocityFn(), x, solver, &x);
    m.straightness = path.straightness;
    m.nfe = path.nfe;
    if (x.allFinite()) m.w2 = w2Exact(x, data);
    PointRow logp;
    flow.logDensity(data, SolverConfig{Solver::RK4, 16, 1e-5, 1e-5, 100000}, logp);
    m.nll = meanNll(logp);
  }
  return m;
}

}  // namespace

const char* statusName(TrainerStatus s) {
  switch (s) {
    case TrainerStatus::Running: return "running";
    case TrainerStatus::Paused: return "paused";
    case TrainerStatus::Finished: return "finished";
    case TrainerStatus::Diverged: return "diverged";
    case TrainerStatus::Error: return "error";
  }
  return "?";
}

Trainer::Trainer(const TrainerConfig& config, std::shared_ptr<const Target> target,
                 bool startPaused)
    : pendingConfig_(config), pendingTarget_(std::move(target)), paused_(startPaused) {
  auto first = std::make_shared<Snapshot>();
  first->status = TrainerStatus::Paused;
  first->target = pendingTarget_;
  first->message = "starting";
  snapshot_ = std::move(first);
  resetPending_ = true;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Trainer::~Trainer() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Trainer::setPaused(bool paused) { paused_.store(paused); }

void Trainer::stepOnce(long n) {
  std::lock_guard lock(mutex_);
  stepBudget_ += std::max(0L, n);
}

void Trainer::submit(const TrainerConfig& config) {
  std::lock_guard lock(mutex_);
  pendingConfig_ = config;
  configPending_ = true;
}

void Trainer::setTarget(std::shared_ptr<const Target> target) {
  if (!target) return;
  std::lock_guard lock(mutex_);
  pendingTarget_ = std::move(target);
  ++pendingTargetVersion_;
}

void Trainer::reset() {
  std::lock_guard lock(mutex_);
  resetPending_ = true;
}

std::shared_ptr<const Snapshot> Trainer::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

void Trainer::run(std::stop_token stop) {
  std::unique_ptr<TrainingSession> session;
  TrainerConfig config;
  std::shared_ptr<const Target> target;
  std::uint64_t targetVersion = 0;
  std::deque<LossSample> lossHistory;
  std::vector<MetricSample> metrics;
  TrainerStatus status = TrainerStatus::Paused;
  std::string message;
  Rng metricRng(0x5eed);

  auto lastPublish = Clock::now();
  auto lastMetrics = Clock::now();
  long stepsSincePublish = 0;
  double stepsPerSecond = 0.0;
  bool dirty = true;

  auto publishNow = [&] {
    auto snap = std::make_shared<Snapshot>();
    snap->version = ++version_;
    snap->status = status;
    snap->message = message;
    snap->target = target;
    snap->targetVersion = targetVersion;
    snap->stepsPerSecond = stepsPerSecond;
    snap->loss.assign(lossHistory.begin(), lossHistory.end());
    snap->metrics = metrics;
    if (session) {
      snap->step = session->stageStep();
      snap->totalSteps = session->totalSteps();
      snap->stage = session->stage();
      auto model = std::make_shared<Model>(session->model());
      model->target = target ? target->name() : std::string();
      snap->model = std::move(model);
    }
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snap);
  };

  while (!stop.stop_requested()) {
    // Commands, applied between steps.
    bool doReset = false, haveConfig = false;
    std::shared_ptr<const Target> newTarget;
    {
      std::lock_guard lock(mutex_);
      if (resetPending_) { doReset = true; resetPending_ = false; }
      if (configPending_) { config = pendingConfig_; haveConfig = true; configPending_ = false; }
      if (pendingTargetVersion_ != targetVersion || !target) {
        newTarget = pendingTarget_;
        targetVersion = pendingTargetVersion_;
      }
    }
    if (!session && !haveConfig) { config = pendingConfig_; }
    if (newTarget) {
      target = newTarget;
      if (session) session->setTarget(target);
      dirty = true;
    }
    try {
      if (doReset || !session || (haveConfig && needsReset(session->config(), config))) {
        session = std::make_unique<TrainingSession>(config, target);
        lossHistory.clear();
        metrics.clear();
        message.clear();
        lastMetrics = Clock::now();
        dirty = true;
      } else if (haveConfig) {
        session->applyLive(config);
        dirty = true;
      }
    } catch (const std::exception& e) {
      session.reset();
      status = TrainerStatus::Error;
      message = e.what();
      paused_.store(true);
      publishNow();
      // Wait for a new config or reset.
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::lock_guard lock(mutex_);
        if (configPending_ || resetPending_) break;
      }
      continue;
    }

    long budget;
    {
      std::lock_guard lock(mutex_);
      budget = stepBudget_;
    }
    const bool finished = session->finished();
    if ((paused_.load() && budget == 0) || finished) {
      const TrainerStatus idle = finished ? TrainerStatus::Finished : TrainerStatus::Paused;
      if (status != idle || dirty) {
        if (status == TrainerStatus::Running || status == TrainerStatus::Paused ||
            status == TrainerStatus::Finished)
          status = idle;
        if (finished) message = "all stages trained";
        stepsPerSecond = 0.0;
        publishNow();
        dirty = false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (budget > 0) {
      std::lock_guard lock(mutex_);
      --stepBudget_;
    }

    // One step.
    double loss;
    try {
      loss = session->step();
    } catch (const std::exception& e) {
      session->restoreLastGood();
      status = TrainerStatus::Error;
      message = std::string("training step failed: ") + e.what();
      paused_.store(true);
      publishNow();
      continue;
    }
    ++stepsSincePublish;
    if (!std::isfinite(loss)) {
      session->restoreLastGood();
      status = TrainerStatus::Diverged;
      message = "loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                " at step " + std::to_string(session->totalSteps()) +
                "; restored the last good parameters and paused (try a lower learning rate)";
      paused_.store(true);
      publishNow();
      continue;
    }
    status = TrainerStatus::Running;
    message.clear();
    lossHistory.push_back(LossSample{session->totalSteps(), static_cast<float>(loss)});
    if (lossHistory.size() > Snapshot::kLossHistory) lossHistory.pop_front();
    if (session->totalSteps() % kMarkGoodEvery == 0) session->markGood();

    if (session->stageDone()) {
      try {
        session->advanceStage();
      } catch (const std::exception& e) {
        status = TrainerStatus::Error;
        message = std::string("could not start the next stage: ") + e.what();
        paused_.store(true);
      }
      dirty = true;
    }

    const auto now = Clock::now();
    if (now - lastMetrics >= kMetricsInterval) {
      try {
        metrics.push_back(measureMetrics(*session, metricRng));
      } catch (const std::exception&) {
        // Metrics are advisory; a failure here must not stop training.
      }
      lastMetrics = Clock::now();
    }
    if (now - lastPublish >= kPublishInterval) {
      const double dt = std::chrono::duration<double>(now - lastPublish).count();
      stepsPerSecond = stepsSincePublish / dt;
      stepsSincePublish = 0;
      lastPublish = now;
      publishNow();
      dirty = false;
    }
  }
}

}  // namespace flowlab::core
