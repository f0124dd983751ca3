// Tests of the solver study and of the log-density ledger on a model's field: the ledger's
// log p₁ equals the density grid's value, the study's rows and orders, and its errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/base/grid_geometry.hpp"
#include "core/base/rng.hpp"
#include "core/eval/density_grid.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/solver_study.hpp"
#include "core/model/model.hpp"
#include "core/nn/mlp.hpp"
#include "tests/core/eval/random_model.hpp"

using namespace flowlab::core;

namespace {

TrainerConfig smallFlow() {
  TrainerConfig c;
  c.method = Method::FlowMatching;
  c.mlp.hidden = 32;
  c.mlp.layers = 2;
  c.mlp.activation = Activation::Tanh;
  return c;
}

}  // namespace

TEST_CASE(
    "the ledger's log p1(x) = log N(z) - sum of the steps' divergence equals the density "
    "grid's value (same solver) to 1e-4") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 7, 3.0f);
  DensityGridSpec spec;
  spec.width = 6;
  spec.height = 5;
  spec.box = Box{-2.0, -1.5, 2.0, 2.5};
  spec.t = 1.0;
  spec.threads = 1;
  for (const SolverConfig solver :
       {SolverConfig::rk4(8), SolverConfig::euler(5), SolverConfig::fixed(Solver::Heun, 3)}) {
    spec.solver = solver;
    const DensityGrid grid = computeLogDensityGrid(c, theta, spec);
    const GridGeometry geometry{spec.box, spec.width, spec.height};
    Points x(2, spec.width * spec.height);
    for (int j = 0; j < spec.height; ++j)
      for (int i = 0; i < spec.width; ++i) {
        x(0, geometry.index(i, j)) = static_cast<float>(geometry.centreX(i));
        x(1, geometry.index(i, j)) = static_cast<float>(geometry.centreY(j));
      }
    FlowEvaluator flow(c, theta);
    const SolverRun run = runSolverWithLedger(flow.velocityDivFn(), x, 1.0, 0.0, solver, 4);
    CHECK(run.ledger.size() == std::size_t(solver.steps) + 1);
    CHECK(run.ledger.front().cwiseAbs().maxCoeff() == 0.0f);  // nothing accumulated at the start
    const PointRow logp = ledgerLogDensity(run);
    for (Eigen::Index k = 0; k < x.cols(); ++k)
      CHECK(std::abs(logp(k) - grid.values[static_cast<std::size_t>(k)]) < 1e-4);
    // The reading the solver lab shows: the same sum for one point, and the integral so far.
    for (int k = 0; k < static_cast<int>(x.cols()); k += 7) {
      const LedgerReading end = readLedger(run, k, solver.steps);
      CHECK(std::abs(end.logDensity - grid.values[static_cast<std::size_t>(k)]) < 1e-4);
      CHECK(end.logDensity == doctest::Approx(end.logNormal - end.total));
      CHECK(end.soFar == end.total);
      CHECK(end.t == 0.0);
      const LedgerReading start = readLedger(run, k, 0);
      CHECK(start.t == 1.0);
      CHECK(start.soFar == 0.0);
      CHECK(start.logDensity == end.logDensity);
    }
    CHECK_THROWS_AS(readLedger(run, -1, 0), std::invalid_argument);
    CHECK_THROWS_AS(readLedger(run, static_cast<int>(x.cols()), 0), std::invalid_argument);
    CHECK_THROWS_AS(readLedger(run, 0, solver.steps + 1), std::invalid_argument);
  }
}

TEST_CASE("the ledger needs a run that carries it and ends at t = 0") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 7, 3.0f);
  FlowEvaluator flow(c, theta);
  Points x = Points::Zero(2, 3);
  CHECK_THROWS_AS(
      ledgerLogDensity(runSolver(flow.velocityFn(), x, 1.0, 0.0, SolverConfig::rk4(2), 0)),
      std::invalid_argument);
  CHECK_THROWS_AS(ledgerLogDensity(runSolverWithLedger(flow.velocityDivFn(), x, 0.0, 1.0,
                                                       SolverConfig::rk4(2), 0)),
                  std::invalid_argument);
}

TEST_CASE(
    "the solver study: one row per solver and N, errors falling with N at each solver's "
    "order, W2 approaching the reference's") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 11, 3.0f);
  const auto target = makeBuiltinTarget("8gaussians");
  SolverStudyOptions o;
  o.steps = {1, 2, 4, 8, 16};
  o.n = 300;
  o.seed = 4;
  const SolverStudy study = solverStudy(c, theta, *target, o);
  REQUIRE(study.rows.size() == 4 * 5);
  REQUIRE(study.orders.size() == 4);
  CHECK(study.referenceNfe > 0);
  CHECK(study.w2Floor > 0.0);
  const double expected[] = {1.0, 2.0, 2.0, 4.0};
  for (std::size_t s = 0; s < 4; ++s) {
    CHECK(study.orders[s].solver == o.solvers[s]);
    CAPTURE(s);
    CHECK(std::abs(study.orders[s].order - expected[s]) < 0.35);
    for (std::size_t k = 0; k < 5; ++k) {
      const SolverStudyRow& r = study.rows[s * 5 + k];
      CHECK(r.solver == o.solvers[s]);
      CHECK(r.steps == o.steps[k]);
      CHECK(r.nfe == long(o.steps[k]) * stagesPerStep(o.solvers[s]));
      CHECK(r.error.max >= r.error.mean);
      if (k > 0 && study.rows[s * 5 + k - 1].error.mean > 1e-4)
        CHECK(r.error.mean < study.rows[s * 5 + k - 1].error.mean);
    }
  }
  // RK4 with 32 steps is as good as the reference for W2.
  CHECK(std::abs(study.rows[3 * 5 + 4].w2 - study.referenceW2) < 1e-3);
}

TEST_CASE("the solver study refuses what it cannot do") {
  const TrainerConfig c = smallFlow();
  const ParamVec theta = randomParams(c, 11, 3.0f);
  const auto target = makeBuiltinTarget("moons");
  SolverStudyOptions o;
  o.n = 10;
  o.solvers = {Solver::Dopri5};
  CHECK_THROWS_AS(solverStudy(c, theta, *target, o), std::invalid_argument);
  o.solvers = {Solver::RK4};
  o.steps = {0};
  CHECK_THROWS_AS(solverStudy(c, theta, *target, o), std::invalid_argument);
  o.steps = {};
  CHECK_THROWS_AS(solverStudy(c, theta, *target, o), std::invalid_argument);
  o.steps = {1};
  o.n = 1;
  CHECK_THROWS_AS(solverStudy(c, theta, *target, o), std::invalid_argument);
  TrainerConfig nvp = c;
  nvp.method = Method::RealNvp;
  o.n = 10;
  CHECK_THROWS_AS(solverStudy(nvp, ParamVec(parameterCount(nvp)), *target, o),
                  std::invalid_argument);
}
