// test_density_grid.cpp: exact model densities on a grid — the base at t = 0, agreement with the
// flow's own log density, total mass ≈ 1 for a trained model, thread-count independence, the
// divergence grid, and the contract's errors.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "core/eval/density_grid.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/nn/mlp.hpp"
#include "core/targets/targets.hpp"
#include "core/training/training_session.hpp"
#include "tests/core/eval/random_model.hpp"

using namespace flowlab::core;

namespace {

TrainerConfig smallFlow(Method method = Method::FlowMatching) {
  TrainerConfig c;
  c.method = method;
  c.mlp.hidden = 32;
  c.mlp.layers = 2;
  c.mlp.activation = Activation::SiLU;
  c.batch = 256;
  c.steps = 600;
  c.seed = 3;
  return c;
}

DensityGridSpec spec(int w, int h, Box box, double t, int threads = 1) {
  DensityGridSpec s;
  s.width = w;
  s.height = h;
  s.box = box;
  s.t = t;
  s.threads = threads;
  return s;
}

}  // namespace

TEST_CASE("t = 0 is the standard normal, exactly, row 0 is the bottom row") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 1, 2.0f);
  const DensityGridSpec s = spec(7, 5, Box{-1.0, 0.0, 2.5, 4.0}, 0.0);
  const DensityGrid g = computeLogDensityGrid(c, theta, s);
  REQUIRE(g.values.size() == 35u);
  CHECK(g.nfe == 0);
  for (int j = 0; j < 5; ++j)
    for (int i = 0; i < 7; ++i) {
      const double x = -1.0 + (i + 0.5) * 3.5 / 7, y = 0.0 + (j + 0.5) * 4.0 / 5;
      Points p(2, 1);
      p << static_cast<float>(x), static_cast<float>(y);
      PointRow ref;
      standardNormalLogDensity(p, ref);
      CHECK(g.values[static_cast<std::size_t>(j * 7 + i)] == ref(0));
    }
  CHECK(g.values[0] > g.values[4 * 7]);  // y near 0 is likelier than y near 4
}

TEST_CASE("the t = 1 grid equals the flow's own log density, the t-grid integrates from t") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 2, 2.0f);
  DensityGridSpec s = spec(9, 6, Box{-3.0, -2.0, 3.0, 2.0}, 1.0);
  s.solver = SolverConfig::rk4(8);
  const DensityGrid g = computeLogDensityGrid(c, theta, s);
  CHECK(g.nfe == 32);
  Points centres(2, 54);
  for (int j = 0; j < 6; ++j)
    for (int i = 0; i < 9; ++i)
      centres.col(j * 9 + i) << static_cast<float>(-3.0 + (i + 0.5) * 6.0 / 9),
          static_cast<float>(-2.0 + (j + 0.5) * 4.0 / 6);
  FlowEvaluator ev(c, theta);
  PointRow logp;
  ev.logDensity(centres, s.solver, logp);
  for (int k = 0; k < 54; ++k)
    CHECK(g.values[static_cast<std::size_t>(k)] == doctest::Approx(logp(k)).epsilon(1e-5));

  // Intermediate t: log p_t(x) = log N(x₀) − ∫₀ᵗ div v, with x integrated from t back to 0.
  s.t = 0.4;
  const DensityGrid gt = computeLogDensityGrid(c, theta, s);
  Points x = centres;
  PointRow acc = PointRow::Zero(54);
  integrateWithLogDensity(ev.velocityDivFn(), x, acc, 0.4, 0.0, s.solver);
  standardNormalLogDensity(x, logp);
  for (int k = 0; k < 54; ++k)
    CHECK(gt.values[static_cast<std::size_t>(k)] ==
          doctest::Approx(logp(k) - acc(k)).epsilon(1e-5));
}

TEST_CASE("any number of threads gives the single-thread grid bit for bit") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 3, 2.0f);
  for (Solver solver : {Solver::RK4, Solver::Dopri5}) {
    CAPTURE(solverName(solver));
    DensityGridSpec s = spec(40, 37, Box{-4.0, -4.0, 4.0, 4.0}, 0.7, 1);
    s.solver.solver = solver;
    s.solver.steps = 6;
    s.solver.rtol = s.solver.atol = 1e-4;
    const DensityGrid one = computeLogDensityGrid(c, theta, s);
    for (int threads : {2, 3, 0}) {
      s.threads = threads;
      const DensityGrid many = computeLogDensityGrid(c, theta, s);
      CHECK(many.values == one.values);
      CHECK(many.mass == one.mass);
    }
    s.threads = 2;
    const DensityGrid div1 = computeDivergenceGrid(c, theta, s);
    s.threads = 1;
    CHECK(computeDivergenceGrid(c, theta, s).values == div1.values);
  }
}

TEST_CASE("the divergence grid is div v at the cell centres") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 4, 2.0f);
  const DensityGridSpec s = spec(5, 4, Box{-2.0, -1.0, 2.0, 1.0}, 0.25);
  const DensityGrid g = computeDivergenceGrid(c, theta, s);
  CHECK(g.nfe == 1);
  CHECK(g.mass == 0.0);
  const Mlp mlp(c.mlp);
  MlpWorkspace ws;
  MatrixF y;
  PointRow div;
  Points centres(2, 20);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 5; ++i)
      centres.col(j * 5 + i) << static_cast<float>(-2.0 + (i + 0.5) * 4.0 / 5),
          static_cast<float>(-1.0 + (j + 0.5) * 2.0 / 4);
  mlp.divergence(theta.data(), centres, PointRow::Constant(20, 0.25f), y, div, ws);
  for (int k = 0; k < 20; ++k)
    CHECK(g.values[static_cast<std::size_t>(k)] == doctest::Approx(div(k)).epsilon(1e-6));
}

TEST_CASE("a trained model's grid holds probability mass 1 on a covering box") {
  auto target = makeBuiltinTarget("8gaussians");
  REQUIRE(target);
  TrainingSession session(smallFlow(), target);
  while (!session.stageDone()) REQUIRE(std::isfinite(session.step().loss));
  const Model model = session.model();
  for (double t : {1.0, 0.5}) {
    CAPTURE(t);
    DensityGridSpec s = spec(128, 128, Box{-6.0, -6.0, 6.0, 6.0}, t, 0);
    s.solver = SolverConfig::rk4(16);
    const DensityGrid g = computeLogDensityGrid(model.config, model.stages.back().params, s);
    CAPTURE(g.mass);
    CHECK(g.mass == doctest::Approx(1.0).epsilon(0.02));
  }
  // A box that misses half the target misses about half the mass.
  DensityGridSpec half = spec(64, 128, Box{0.0, -6.0, 6.0, 6.0}, 1.0, 0);
  const DensityGrid g = computeLogDensityGrid(model.config, model.stages.back().params, half);
  CHECK(g.mass == doctest::Approx(0.5).epsilon(0.1));
}

TEST_CASE("bad specs and unsupported requests are rejected") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 5, 2.0f);
  DensityGridSpec s = spec(0, 4, Box{}, 1.0);
  CHECK_THROWS_AS(computeLogDensityGrid(c, theta, s), std::invalid_argument);
  s = spec(4, 4, Box{1.0, 0.0, 1.0, 1.0}, 1.0);
  CHECK_THROWS_AS(computeLogDensityGrid(c, theta, s), std::invalid_argument);
  s = spec(4, 4, Box{}, 1.5);
  CHECK_THROWS_AS(computeLogDensityGrid(c, theta, s), std::invalid_argument);
  s = spec(4, 4, Box{}, 1.0);
  s.solver.steps = 0;
  CHECK_THROWS_AS(computeDivergenceGrid(c, theta, s), std::invalid_argument);
  const ParamVec wrong = ParamVec::Zero(3);
  CHECK_THROWS_AS(computeLogDensityGrid(c, wrong, spec(4, 4, Box{}, 1.0)), std::invalid_argument);

  TrainerConfig nvp = smallFlow(Method::RealNvp);
  nvp.couplingLayers = 4;
  const ParamVec nvpParams = ParamVec::Zero(parameterCount(nvp));
  CHECK_THROWS_AS(computeLogDensityGrid(nvp, nvpParams, spec(4, 4, Box{}, 0.5)),
                  std::invalid_argument);
  CHECK_THROWS_AS(computeDivergenceGrid(nvp, nvpParams, spec(4, 4, Box{}, 1.0)),
                  std::invalid_argument);
}

TEST_CASE("realnvp: the t = 1 grid is its exact density") {
  TrainerConfig nvp = smallFlow(Method::RealNvp);
  nvp.couplingLayers = 4;
  ParamVec theta(parameterCount(nvp));
  Rng rng(4);
  initialParameters(nvp, theta, rng);
  // The identity flow: the density is the base.
  const DensityGrid g =
      computeLogDensityGrid(nvp, theta, spec(6, 6, Box{-3.0, -3.0, 3.0, 3.0}, 1.0));
  const DensityGrid base = computeLogDensityGrid(smallFlow(), randomParams(smallFlow(), 1, 2.0f),
                                                 spec(6, 6, Box{-3.0, -3.0, 3.0, 3.0}, 0.0));
  for (std::size_t k = 0; k < g.values.size(); ++k)
    CHECK(g.values[k] == doctest::Approx(base.values[k]).epsilon(1e-5));
}
