// Flow matching and rectified flow: closed-form velocity between Gaussians, reflow straightens,
// OT-CFM couplings, determinism.
#include <doctest/doctest.h>

#include "core/eval/flow_evaluator.hpp"
#include "core/eval/metrics.hpp"
#include "core/training/training_session.hpp"
#include "tests/test_helpers.hpp"

using namespace flowlab::core;

namespace {

TrainerConfig smallConfig(Method method, long steps) {
  TrainerConfig c;
  c.method = method;
  c.steps = steps;
  c.mlp.hidden = 32;
  c.mlp.layers = 2;
  c.schedule = LrSchedule::Cosine;
  c.adam.learningRate = 3e-3;
  c.threads = 2;
  return c;
}

}  // namespace

TEST_CASE("flow matching between two Gaussians recovers the closed-form marginal velocity") {
  // Base N(0, I), target N(μ, s²I). With x_t = (1−t)x0 + t·x1 the marginal velocity is
  // v(x, t) = μ + (t·s² − (1 − t)) / σ_t² · (x − t·μ), σ_t² = (1 − t)² + t²·s².
  const double mx = 1.5, my = -0.5, s = 0.5;
  auto target = std::make_shared<flowlab::test::GaussianTarget>(mx, my, s);
  TrainingSession session(smallConfig(Method::FlowMatching, 4000), target);
  while (!session.stageDone()) session.step();
  const Model model = session.model();
  FlowEvaluator flow(model.config, model.stages.back().params);
  double worst = 0.0;
  for (double t : {0.1, 0.3, 0.5, 0.7, 0.9}) {
    const double st2 = (1 - t) * (1 - t) + t * t * s * s;
    const double k = (t * s * s - (1 - t)) / st2;
    Points x(2, 5);
    x << 0.0, 1.0, -1.0, 0.5, 1.5, 0.0, 0.5, 0.5, -1.0, -0.3;
    x.row(0).array() = x.row(0).array() * std::sqrt(st2) + t * mx;
    x.row(1).array() = x.row(1).array() * std::sqrt(st2) + t * my;
    Points v(2, 5);
    flow.velocity(x, t, v);
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      const double ex = mx + k * (x(0, i) - t * mx), ey = my + k * (x(1, i) - t * my);
      worst = std::max(worst, std::hypot(v(0, i) - ex, v(1, i) - ey));
    }
  }
  CHECK(worst < 0.15);
}

TEST_CASE("one reflow round makes the flow much straighter") {
  TrainerConfig c = smallConfig(Method::RectifiedFlow, 2500);
  c.reflow = 1;
  c.reflowPairs = 8000;
  c.pairSolver = SolverConfig::rk4(40);
  TrainingSession session(c, makeBuiltinTarget("8gaussians"));
  for (;;) {
    while (!session.stageDone()) session.step();
    if (!session.advanceStage()) break;
  }
  const Model model = session.model();
  REQUIRE(model.stages.size() == 2);
  Rng rng(7);
  Points x0(2, 1000);
  rng.fillNormal(x0);
  double straightness[2];
  for (int k = 0; k < 2; ++k) {
    FlowEvaluator flow(model.config, model.stages[k].params);
    straightness[k] = pathMetrics(flow.velocityFn(), x0, SolverConfig::rk4(50)).straightness;
  }
  INFO("straightness 1-RF " << straightness[0] << ", 2-RF " << straightness[1]);
  CHECK(straightness[0] > 0.1);
  CHECK(straightness[1] < straightness[0] / 20.0);
}

TEST_CASE("OT-CFM trains and has lower transport cost than independent coupling") {
  auto target = makeBuiltinTarget("8gaussians");
  double straightness[2];
  int k = 0;
  for (Method m : {Method::FlowMatching, Method::OtCfm}) {
    TrainingSession session(smallConfig(m, 2000), target);
    while (!session.stageDone()) session.step();
    const Model model = session.model();
    FlowEvaluator flow(model.config, model.stages.back().params);
    Rng rng(3);
    Points x0(2, 1000);
    rng.fillNormal(x0);
    straightness[k++] = pathMetrics(flow.velocityFn(), x0, SolverConfig::rk4(50)).straightness;
  }
  INFO("straightness FM " << straightness[0] << ", OT-CFM " << straightness[1]);
  CHECK(straightness[1] < 0.5 * straightness[0]);
}

TEST_CASE("the same seed repeats a run exactly, another seed does not") {
  auto target = makeBuiltinTarget("moons");
  auto run = [&](std::uint64_t seed) {
    TrainerConfig c = smallConfig(Method::FlowMatching, 50);
    c.seed = seed;
    TrainingSession session(c, target);
    while (!session.stageDone()) session.step();
    return ParamVec(session.params());
  };
  const ParamVec a = run(1), b = run(1), c = run(2);
  CHECK((a - b).norm() == 0.0f);
  CHECK((a - c).norm() > 0.0f);
}
