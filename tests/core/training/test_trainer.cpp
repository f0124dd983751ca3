// The trainer thread: start, pause, single steps, live config vs reset, target swaps,
// divergence surfaced, snapshot versions increasing, clean stop.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "core/training/trainer.hpp"
#include "tests/core/training/wait_for_snapshot.hpp"
#include "tests/test_helpers.hpp"

using namespace flowlab::core;
using namespace std::chrono_literals;

namespace {

TrainerConfig liveConfig() {
  TrainerConfig c;
  c.method = Method::FlowMatching;
  c.steps = 100000000;
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  c.batch = 64;
  return c;
}

using flowlab::test::waitFor;

// A target whose samples turn into NaN on request, to provoke a non-finite loss.
class PoisonTarget final : public Target {
 public:
  explicit PoisonTarget(std::shared_ptr<std::atomic<bool>> poison) : poison_(std::move(poison)) {}
  std::string name() const override { return "poison"; }
  void sample(Points& out, Rng& rng) const override {
    rng.fillNormal(out);
    if (poison_->load()) out(0, 0) = std::numeric_limits<float>::quiet_NaN();
  }
  void logDensity(const Points& x, Eigen::VectorXd& out) const override { out.setZero(x.cols()); }
  Box bounds() const override { return {}; }

 private:
  std::shared_ptr<std::atomic<bool>> poison_;
};

}  // namespace

TEST_CASE("the trainer runs, publishes increasing versions, pauses and single-steps") {
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 50; });
  CHECK(snap->status == TrainerStatus::Running);
  CHECK(snap->model != nullptr);
  const std::uint64_t v1 = snap->version;
  snap = waitFor(trainer, [&](const Snapshot& s) { return s.version > v1 + 2; });
  CHECK(snap->version > v1);
  CHECK(!snap->loss.empty());

  trainer.setPaused(true);
  snap = waitFor(trainer, [](const Snapshot& s) { return s.status == TrainerStatus::Paused; });
  REQUIRE(snap->status == TrainerStatus::Paused);
  // Paused: nothing more is published until a command arrives.
  const long pausedAt = snap->totalSteps;
  const auto still = trainer.waitForNewer(snap->version, 200ms);
  CHECK(still->version == snap->version);
  CHECK(still->totalSteps == pausedAt);

  trainer.stepOnce(5);
  snap = waitFor(trainer, [&](const Snapshot& s) {
    return s.totalSteps >= pausedAt + 5 && s.status == TrainerStatus::Paused;
  });
  CHECK(snap->totalSteps == pausedAt + 5);
  CHECK(snap->status == TrainerStatus::Paused);
  const auto after = trainer.waitForNewer(snap->version, 200ms);
  CHECK(after->totalSteps == pausedAt + 5);
}

TEST_CASE("a trainer told to yield takes no step until told otherwise, and stays running") {
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 50; });
  trainer.yieldUntil(std::chrono::steady_clock::now() + 1h);
  // The step under way may still be published; after that, nothing.
  snap = trainer.waitForNewer(snap->version, 300ms);
  const auto still = trainer.waitForNewer(snap->version, 300ms);
  CHECK(still->totalSteps == snap->totalSteps);
  CHECK(still->status == TrainerStatus::Running);
  trainer.yieldUntil({});  // sooner: the sleep ends now
  const long yieldedAt = still->totalSteps;
  snap = waitFor(
      trainer, [&](const Snapshot& s) { return s.totalSteps > yieldedAt + 20; }, 5s);
  CHECK(snap->totalSteps > yieldedAt + 20);
}

TEST_CASE("live changes keep the model, structural changes reset it") {
  TrainerConfig c = liveConfig();
  Trainer trainer(c, makeBuiltinTarget("8gaussians"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 200; });
  REQUIRE(snap->totalSteps > 200);

  TrainerConfig live = c;
  live.adam.learningRate = 5e-4;
  live.batch = 128;
  CHECK_FALSE(needsReset(c, live));
  const long before = trainer.snapshot()->totalSteps;
  const std::uint64_t resets = trainer.snapshot()->resets;
  CHECK(resets == 1);  // the first model
  trainer.submit(live);
  snap =
      waitFor(trainer, [&](const Snapshot& s) { return s.model && s.model->config.batch == 128; });
  CHECK(snap->model->config.adam.learningRate == doctest::Approx(5e-4));
  CHECK(snap->resets == resets);  // not reset
  CHECK(snap->totalSteps >= before);

  TrainerConfig wider = live;
  wider.mlp.hidden = 24;
  CHECK(needsReset(live, wider));
  trainer.submit(wider);
  snap = waitFor(trainer,
                 [](const Snapshot& s) { return s.model && s.model->config.mlp.hidden == 24; });
  REQUIRE(snap->model->config.mlp.hidden == 24);
  CHECK(snap->resets == resets + 1);  // a fresh model
}

TEST_CASE("the trainer keeps a history of the parameters, a fresh model starts a new one") {
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"));
  auto snap = waitFor(trainer, [](const Snapshot& s) {
    return s.history && s.history->size() >= 3 && s.totalSteps > 2000;
  });
  REQUIRE(snap->history);
  REQUIRE(snap->history->size() >= 3);
  long previous = -1;
  for (const HistoryEntry& e : *snap->history) {
    CHECK(e.stage == 0);
    CHECK(e.step > previous);  // increasing steps
    CHECK(e.params->size() == snap->model->stages[0].params.size());
    previous = e.step;
  }
  CHECK(previous <= snap->step);
  TrainerConfig wider = liveConfig();
  wider.mlp.hidden = 24;
  trainer.submit(wider);
  snap = waitFor(trainer, [](const Snapshot& s) {
    return s.model && s.model->config.mlp.hidden == 24 && s.history;
  });
  REQUIRE(snap->history);
  for (const HistoryEntry& e : *snap->history)
    CHECK(e.params->size() == snap->model->stages[0].params.size());  // the new model's only
}

TEST_CASE("a new target is picked up between steps without a reset") {
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"));
  waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 100; });
  const long before = trainer.snapshot()->totalSteps;
  const std::uint64_t resets = trainer.snapshot()->resets;
  trainer.setTarget(makeBuiltinTarget("rings"));
  auto snap =
      waitFor(trainer, [](const Snapshot& s) { return s.target && s.target->name() == "rings"; });
  CHECK(snap->target->name() == "rings");
  CHECK(snap->resets == resets);
  CHECK(snap->totalSteps >= before);
}

TEST_CASE("a non-finite loss pauses training, restores parameters and says why") {
  auto poison = std::make_shared<std::atomic<bool>>(false);
  Trainer trainer(liveConfig(), std::make_shared<PoisonTarget>(poison));
  waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 100; });
  poison->store(true);
  auto snap =
      waitFor(trainer, [](const Snapshot& s) { return s.status == TrainerStatus::Diverged; });
  REQUIRE(snap->status == TrainerStatus::Diverged);
  CHECK(snap->message.find("NaN") != std::string::npos);
  CHECK(trainer.paused());
  REQUIRE(snap->model != nullptr);
  CHECK(snap->model->stages.back().params.allFinite());
}

TEST_CASE("an invalid config is reported as an error, not a crash") {
  TrainerConfig bad = liveConfig();
  bad.batch = 0;
  Trainer trainer(bad, makeBuiltinTarget("moons"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.status == TrainerStatus::Error; });
  CHECK(snap->status == TrainerStatus::Error);
  CHECK(snap->message.find("batch") != std::string::npos);
  trainer.submit(liveConfig());
  trainer.setPaused(false);
  snap = waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 10; });
  CHECK(snap->totalSteps > 10);
}

TEST_CASE("metrics exist for every method, with the W2 floor at the same n") {
  for (Method method :
       {Method::FlowMatching, Method::OtCfm, Method::Cnf, Method::ReverseKl, Method::RealNvp}) {
    CAPTURE(methodName(method));
    TrainerConfig c = defaultConfig(method);
    c.mlp.hidden = 16;
    c.mlp.layers = 2;
    c.couplingLayers = 4;
    c.batch = 64;
    c.steps = 30;
    c.cnf.solver.steps = 4;
    Trainer trainer(c, makeBuiltinTarget("8gaussians"));
    auto snap =
        waitFor(trainer, [](const Snapshot& s) { return s.status == TrainerStatus::Finished; });
    REQUIRE(snap->status == TrainerStatus::Finished);
    REQUIRE_FALSE(snap->metrics.empty());
    const MetricSample& m = snap->metrics.back();
    CHECK(m.step == 30);  // measured at the last step
    CHECK(std::isfinite(m.w2));
    CHECK(std::isfinite(m.nll));  // every method here has a density
    // The floor of n = 500 target samples is well above the n = 2000 floor of the target's
    // reference facts.
    CHECK(m.w2Floor > findTargetInfo("8gaussians")->w2Floor);
    CHECK(std::isfinite(m.straightness) == isContinuous(method));
  }
}

TEST_CASE("rectified flow: metrics of every stage including the last, pair progress, prompt stop") {
  TrainerConfig c = defaultConfig(Method::RectifiedFlow);
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  c.batch = 64;
  c.steps = 40;
  c.reflow = 1;
  c.reflowPairs = 20000;
  Trainer trainer(c, makeBuiltinTarget("moons"));
  bool sawPreparing = false;
  auto snap = waitFor(trainer, [&](const Snapshot& s) {
    if (s.status == TrainerStatus::Preparing) {
      sawPreparing = true;
      CHECK(s.message.find("reflow pairs") != std::string::npos);
      CHECK(s.progress >= 0.0);
      CHECK(s.progress <= 1.0);
    }
    return s.status == TrainerStatus::Finished;
  });
  REQUIRE(snap->status == TrainerStatus::Finished);
  CHECK(sawPreparing);
  REQUIRE(snap->metrics.size() >= 2);
  bool stage0 = false, stage1 = false;
  for (const MetricSample& m : snap->metrics) {
    stage0 = stage0 || (m.stage == 0 && m.step == 40);
    stage1 = stage1 || (m.stage == 1 && m.step == 80);
  }
  CHECK(stage0);  // the first stage at its end
  CHECK(stage1);  // the final stage at its end
  // Wall time: each stage's steps, each stage's end, all of it; a finished trainer adds none.
  REQUIRE(snap->stageSeconds.size() == 2);
  REQUIRE(snap->stageEnds.size() == 2);
  CHECK(snap->stageSeconds[0] > 0.0);
  CHECK(snap->stageSeconds[1] > 0.0);
  CHECK(snap->stageSeconds[0] <= snap->stageEnds[0]);
  // The second stage ends after its pairs and its own steps.
  CHECK(snap->stageEnds[1] >= snap->stageEnds[0] + snap->stageSeconds[1]);
  CHECK(snap->trainingSeconds == snap->stageEnds[1]);
  trainer.reset();
  const auto fresh = waitFor(trainer, [&](const Snapshot& s) { return s.resets > snap->resets; });
  CHECK(fresh->stageEnds.size() <= 1);  // counted again from the reset

  // Stopping while pairs are generated: the destructor returns promptly.
  c.reflowPairs = 10000000;
  c.steps = 5;
  auto slow = std::make_unique<Trainer>(c, makeBuiltinTarget("moons"));
  waitFor(*slow, [](const Snapshot& s) { return s.status == TrainerStatus::Preparing; });
  const auto start = std::chrono::steady_clock::now();
  slow.reset();
  CHECK(std::chrono::steady_clock::now() - start < 20s);  // a hang check, not a speed bar
}

TEST_CASE("a trainer's record resumes in another trainer to the same bytes as an unbroken run") {
  TrainerConfig c = liveConfig();
  c.method = Method::RectifiedFlow;
  c.steps = 30;
  c.reflow = 1;
  c.reflowPairs = 1000;
  const auto target = makeBuiltinTarget("moons");
  TrainingSession unbroken(c, target);
  while (unbroken.totalSteps() < 45) {
    if (unbroken.stageDone()) REQUIRE(unbroken.advanceStage());
    unbroken.step();
  }
  std::shared_ptr<const TrainerRecord> saved;
  {
    Trainer first(c, target, true);
    first.stepOnce(37);  // into the reflow stage
    auto snap = waitFor(first, [](const Snapshot& s) { return s.totalSteps == 37; });
    REQUIRE(snap->totalSteps == 37);
    std::future<TrainerRecord> answer = first.record();
    REQUIRE(answer.wait_for(30s) == std::future_status::ready);
    saved = std::make_shared<const TrainerRecord>(answer.get());
    CHECK(saved->training.totalSteps == 37);
    CHECK(saved->training.model.stages.size() == 2);
    CHECK(saved->loss.size() == 37);
    CHECK(!saved->metrics.empty());     // the first stage's final metrics
    CHECK(saved->history.size() >= 2);  // the kept past parameters, of both stages
  }
  Trainer second(liveConfig(), target, true);
  second.resume(saved);
  auto snap = waitFor(second, [](const Snapshot& s) { return s.totalSteps == 37; });
  REQUIRE(snap->totalSteps == 37);
  CHECK(snap->stage == 1);
  CHECK(snap->loss.size() == 37);
  REQUIRE(snap->history);
  REQUIRE(snap->history->size() >= saved->history.size());
  CHECK(*(*snap->history)[0].params == *saved->history[0].params);
  second.stepOnce(8);
  snap = waitFor(second, [](const Snapshot& s) { return s.totalSteps == 45; });
  REQUIRE(snap->totalSteps == 45);
  REQUIRE(snap->model);
  CHECK(snap->model->stages.back().params == unbroken.params());
  CHECK(snap->model->stages.front().params == unbroken.model().stages.front().params);
}

TEST_CASE("a record asked for while reflow pairs are generated is answered then and resumes") {
  TrainerConfig c = liveConfig();
  c.method = Method::RectifiedFlow;
  c.steps = 30;
  c.reflow = 1;
  c.reflowPairs = 16 * 4096;  // 16 chunks; progress (and the record) comes after each
  const auto target = makeBuiltinTarget("moons");
  TrainingSession unbroken(c, target);
  while (unbroken.totalSteps() < 40) {
    if (unbroken.stageDone()) REQUIRE(unbroken.advanceStage());
    unbroken.step();
  }
  std::shared_ptr<const TrainerRecord> saved;
  {
    Trainer first(c, target, true);
    first.stepOnce(30);  // the first stage, then its pairs
    auto snap =
        waitFor(first, [](const Snapshot& s) { return s.status == TrainerStatus::Preparing; });
    REQUIRE(snap->status == TrainerStatus::Preparing);
    std::future<TrainerRecord> answer = first.record();
    REQUIRE(answer.wait_for(60s) == std::future_status::ready);
    saved = std::make_shared<const TrainerRecord>(answer.get());
    // Answered before the pairs were done: the finished stage alone, at its last step.
    REQUIRE(saved->training.model.stages.size() == 1);
    CHECK(saved->training.model.stages[0].stepsTrained == 30);
    CHECK(saved->training.totalSteps == 30);
  }
  Trainer second(liveConfig(), target, true);
  second.resume(saved);
  auto snap = waitFor(second, [](const Snapshot& s) { return s.totalSteps == 30; });
  REQUIRE(snap->totalSteps == 30);
  CHECK(snap->stage == 0);  // paused as saved: the pairs are generated when training goes on
  second.stepOnce(10);
  snap = waitFor(second, [](const Snapshot& s) { return s.totalSteps == 40; });
  REQUIRE(snap->totalSteps == 40);
  CHECK(snap->stage == 1);
  REQUIRE(snap->model);
  CHECK(snap->model->stages.front().params == unbroken.model().stages.front().params);
  CHECK(snap->model->stages.back().params == unbroken.params());
  // The finished stage's final metrics were measured once, before the save.
  CHECK(std::count_if(snap->metrics.begin(), snap->metrics.end(),
                      [](const MetricSample& m) { return m.step == 30; }) == 1);
}

TEST_CASE("the metrics history stays bounded, keeping the newest and each stage's last") {
  // A session's record with more metrics than a snapshot keeps: the next measurement thins them.
  Trainer first(liveConfig(), makeBuiltinTarget("moons"), true);
  first.stepOnce(10);
  waitFor(first, [](const Snapshot& s) { return s.totalSteps == 10; });
  std::future<TrainerRecord> answer = first.record();
  REQUIRE(answer.wait_for(30s) == std::future_status::ready);
  TrainerRecord record = answer.get();
  record.metrics.clear();
  for (long i = 0; i < 1500; ++i) {
    MetricSample m;
    m.step = i;
    m.stage = i < 700 ? 0 : 1;  // stage 0's last figures at step 699
    record.metrics.push_back(m);
  }
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"), true);
  trainer.resume(std::make_shared<const TrainerRecord>(record));
  waitFor(trainer, [](const Snapshot& s) { return s.metrics.size() == 1500; });
  trainer.setPaused(false);  // metrics are measured every few seconds of training
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.metrics.size() != 1500; });
  const std::vector<MetricSample>& m = snap->metrics;
  REQUIRE(m.size() <= Snapshot::kMetricsHistory);
  REQUIRE(m.size() > Snapshot::kMetricsHistory / 2);
  CHECK(m.front().step == 0);
  CHECK(m[m.size() - 2].step == 1499);  // the newest before it, then the new measurement
  bool stage0End = false;
  for (std::size_t i = 1; i + 1 < m.size(); ++i) {
    CHECK(m[i].step > m[i - 1].step);
    stage0End = stage0End || m[i].step == 699;
  }
  CHECK(stage0End);  // stage 0's final figures stay
}
