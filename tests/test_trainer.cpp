// The trainer thread: start, pause, single steps, live config vs reset, target swaps,
// divergence surfaced, snapshot versions increasing, clean stop.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/trainer.hpp"
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

template <typename Pred>
std::shared_ptr<const Snapshot> waitFor(const Trainer& trainer, Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  auto snap = trainer.snapshot();
  while (!pred(*snap) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(2ms);
    snap = trainer.snapshot();
  }
  return snap;
}

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
  std::this_thread::sleep_for(50ms);
  const long pausedAt = trainer.snapshot()->totalSteps;
  std::this_thread::sleep_for(100ms);
  CHECK(trainer.snapshot()->totalSteps == pausedAt);

  trainer.stepOnce(5);
  snap = waitFor(trainer, [&](const Snapshot& s) { return s.totalSteps >= pausedAt + 5; });
  std::this_thread::sleep_for(100ms);
  CHECK(trainer.snapshot()->totalSteps == pausedAt + 5);
  CHECK(trainer.snapshot()->status == TrainerStatus::Paused);
}

TEST_CASE("live changes keep the model; structural changes reset it") {
  TrainerConfig c = liveConfig();
  Trainer trainer(c, makeBuiltinTarget("8gaussians"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 200; });
  REQUIRE(snap->totalSteps > 200);

  TrainerConfig live = c;
  live.adam.learningRate = 5e-4;
  live.batch = 128;
  CHECK_FALSE(needsReset(c, live));
  const long before = trainer.snapshot()->totalSteps;
  trainer.submit(live);
  snap = waitFor(trainer, [&](const Snapshot& s) { return s.model && s.model->config.batch == 128; });
  CHECK(snap->model->config.adam.learningRate == doctest::Approx(5e-4));
  CHECK(snap->totalSteps >= before);  // not reset

  TrainerConfig wider = live;
  wider.mlp.hidden = 24;
  CHECK(needsReset(live, wider));
  trainer.submit(wider);
  snap = waitFor(trainer, [](const Snapshot& s) { return s.model && s.model->config.mlp.hidden == 24; });
  REQUIRE(snap->model->config.mlp.hidden == 24);
  CHECK(snap->totalSteps < before);  // a fresh model
}

TEST_CASE("a new target is picked up between steps without a reset") {
  Trainer trainer(liveConfig(), makeBuiltinTarget("moons"));
  waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 100; });
  const long before = trainer.snapshot()->totalSteps;
  trainer.setTarget(makeBuiltinTarget("rings"));
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.target && s.target->name() == "rings"; });
  CHECK(snap->target->name() == "rings");
  CHECK(snap->totalSteps >= before);
}

TEST_CASE("a non-finite loss pauses training, restores parameters and says why") {
  auto poison = std::make_shared<std::atomic<bool>>(false);
  Trainer trainer(liveConfig(), std::make_shared<PoisonTarget>(poison));
  waitFor(trainer, [](const Snapshot& s) { return s.totalSteps > 100; });
  poison->store(true);
  auto snap = waitFor(trainer, [](const Snapshot& s) { return s.status == TrainerStatus::Diverged; });
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
