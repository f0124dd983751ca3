// Tests of recording a solve step by step: the stages each method evaluates (count, times,
// points), steps kept exactly (stepping back and forward again is exact), the reference solve,
// convergence orders on an analytic field, and the log-density ledger.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "core/ode/solver_run.hpp"

using namespace flowlab::core;

namespace {

constexpr Solver kFixed[] = {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4};

// dx/dt = A x with rotation and decay (eigenvalues −0.35 ± 1.79i): smooth, solved in closed form.
Eigen::Matrix2d rotationDecay() {
  Eigen::Matrix2d a;
  a << -0.4, -2.0, 1.6, -0.3;
  return a;
}

// e^{At} by the eigen-decomposition (A is diagonalisable over ℂ).
Eigen::Matrix2d expm(const Eigen::Matrix2d& a, double t) {
  Eigen::EigenSolver<Eigen::Matrix2d> es(a);
  const Eigen::Matrix2cd d = (es.eigenvalues() * t).array().exp().matrix().asDiagonal();
  return (es.eigenvectors() * d * es.eigenvectors().inverse()).real();
}

// v = A x, counting calls and columns evaluated.
VelocityFn linear(const Eigen::Matrix2d& a, long* calls = nullptr) {
  const Eigen::Matrix2f af = a.cast<float>();
  return [af, calls](const Points& x, double, Points& v) {
    v.noalias() = af * x;
    if (calls) ++*calls;
  };
}

// A time-dependent nonlinear field: a rotation whose speed changes with t, plus a bend.
void bentRotation(const Points& x, double t, Points& v) {
  const float w = static_cast<float>(1.5 + 0.5 * std::sin(2.0 * t));
  for (Eigen::Index i = 0; i < x.cols(); ++i) {
    v(0, i) = -w * x(1, i) + 0.3f * std::sin(x(1, i));
    v(1, i) = w * x(0, i) + 0.3f * std::cos(x(0, i));
  }
}

Points spread(int n) {
  Points x(2, n);
  for (int i = 0; i < n; ++i) {
    const double angle = 0.7 * i + 0.3, radius = 0.5 + 1.3 * i / n;
    x(0, i) = static_cast<float>(radius * std::cos(angle));
    x(1, i) = static_cast<float>(radius * std::sin(angle));
  }
  return x;
}

}  // namespace

TEST_CASE("RK4 records four stage evaluations per step, at t, t + h/2, t + h/2 and t + h") {
  long calls = 0;
  const VelocityFn field = linear(rotationDecay(), &calls);
  const Points x0 = spread(40);
  const SolverRun run = runSolver(field, x0, 0.0, 1.0, SolverConfig::rk4(4), 5);
  REQUIRE(run.times.size() == 5);
  REQUIRE(run.states.size() == 5);
  REQUIRE(run.stages.size() == 4);
  CHECK(run.stats.nfe == 4 * 4);
  // 16 evaluations of all 40 points, then 4 per step on the 5 recorded ones.
  CHECK(calls == 16 + 4 * 4);
  for (std::size_t k = 0; k < run.stages.size(); ++k) {
    const StepStages& s = run.stages[k];
    CHECK(s.t == doctest::Approx(0.25 * double(k)));
    CHECK(s.h == doctest::Approx(0.25));
    REQUIRE(s.times.size() == 4);
    CHECK(s.times[0] == doctest::Approx(s.t));
    CHECK(s.times[1] == doctest::Approx(s.t + 0.125));
    CHECK(s.times[2] == doctest::Approx(s.t + 0.125));
    CHECK(s.times[3] == doctest::Approx(s.t + 0.25));
    for (std::size_t i = 0; i < 4; ++i) {
      REQUIRE(s.points[i].cols() == 5);
      // Each stage velocity is the field at its own stage point.
      Points v(2, 5);
      field(s.points[i], s.times[i], v);
      CHECK((v - s.velocities[i]).cwiseAbs().maxCoeff() == 0.0f);
    }
    // X_2 = x_n + h/2·k_1, X_3 = x_n + h/2·k_2, X_4 = x_n + h·k_3, and the step is their b-sum.
    const Points xn = run.states[k].leftCols(5);
    CHECK((s.points[0] - xn).cwiseAbs().maxCoeff() == 0.0f);
    CHECK((s.points[1] - (xn + 0.125f * s.velocities[0])).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((s.points[2] - (xn + 0.125f * s.velocities[1])).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((s.points[3] - (xn + 0.25f * s.velocities[2])).cwiseAbs().maxCoeff() < 1e-6f);
    const Points next = xn + (0.25f / 6.0f) * (s.velocities[0] + 2.0f * s.velocities[1] +
                                               2.0f * s.velocities[2] + s.velocities[3]);
    CHECK((next - run.states[k + 1].leftCols(5)).cwiseAbs().maxCoeff() < 1e-6f);
  }
}

TEST_CASE(
    "every method records its own stages: Euler 1, midpoint 2 (at t + h/2), Heun 2 "
    "(predictor at t + h), Dopri5 7") {
  const VelocityFn field = linear(rotationDecay());
  const Points x0 = spread(10);
  const int expected[] = {1, 2, 2, 4};
  for (int m = 0; m < 4; ++m) {
    const SolverRun run = runSolver(field, x0, 0.0, 1.0, SolverConfig::fixed(kFixed[m], 3), 2);
    REQUIRE(run.stages.size() == 3);
    for (const StepStages& s : run.stages) CHECK(s.points.size() == std::size_t(expected[m]));
  }
  const SolverRun mid = runSolver(field, x0, 0.0, 1.0, SolverConfig::fixed(Solver::Midpoint, 2), 1);
  CHECK(mid.stages[0].times[1] == doctest::Approx(0.25));
  const SolverRun heun = runSolver(field, x0, 0.0, 1.0, SolverConfig::fixed(Solver::Heun, 2), 1);
  CHECK(heun.stages[0].times[1] == doctest::Approx(0.5));
  // Heun's predictor is an Euler step; its corrector averages the two slopes.
  CHECK((heun.stages[0].points[1] - (x0.leftCols(1) + 0.5f * heun.stages[0].velocities[0]))
            .cwiseAbs()
            .maxCoeff() < 1e-6f);
  const SolverRun dp = runSolver(field, x0, 0.0, 1.0, SolverConfig::dopri5(1e-6, 1e-6), 3);
  REQUIRE(dp.times.size() == std::size_t(dp.stats.acceptedSteps) + 1);
  REQUIRE(dp.stages.size() == std::size_t(dp.stats.acceptedSteps));
  for (std::size_t k = 0; k < dp.stages.size(); ++k) {
    REQUIRE(dp.stages[k].points.size() == 7);
    // The 7th stage point is the accepted new state (first same as last).
    CHECK((dp.stages[k].points[6] - dp.states[k + 1].leftCols(3)).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

TEST_CASE(
    "the kept states are exact: stepping on again from any kept state gives the same "
    "states bit for bit") {
  const VelocityFn field = bentRotation;
  const Points x0 = spread(33);
  for (Solver s : kFixed) {
    const SolverRun run = runSolver(field, x0, 0.0, 1.0, SolverConfig::fixed(s, 6), 0);
    CHECK(run.stages.empty());
    for (std::size_t k = 0; k < run.times.size(); ++k) {
      Points x = run.states[k];  // "step back" to step k, then forward to the end
      StepScratch scratch;
      for (std::size_t j = k; j + 1 < run.times.size(); ++j) {
        fixedStep(s, field, x, run.times[j], run.times[j + 1] - run.times[j], scratch);
        CHECK((x - run.states[j + 1]).cwiseAbs().maxCoeff() == 0.0f);
      }
    }
  }
}

TEST_CASE("the reference solve matches the closed form at every requested time") {
  const Eigen::Matrix2d a = rotationDecay();
  const Points x0 = spread(12);
  const std::vector<double> times{0.0, 0.1, 0.35, 0.7, 1.0};
  const std::vector<Points> ref = referenceStates(linear(a), x0, times);
  REQUIRE(ref.size() == times.size());
  for (std::size_t k = 0; k < times.size(); ++k) {
    const Eigen::Matrix2Xd exact = expm(a, times[k]) * x0.cast<double>();
    CHECK((ref[k].cast<double>() - exact).cwiseAbs().maxCoeff() < 2e-6);
  }
  // Backward in time too.
  const std::vector<double> back{1.0, 0.5, 0.0};
  const std::vector<Points> refBack = referenceStates(linear(a), ref.back(), back);
  CHECK((refBack.back() - x0).cwiseAbs().maxCoeff() < 4e-6f);
}

TEST_CASE("point errors: the mean and the largest distance between corresponding points") {
  Points a(2, 3), b(2, 3);
  a << 0, 1, 2, 0, 0, 0;
  b << 3, 1, 2, 4, 0, 1;  // distances 5, 0, 1
  const PointErrors e = pointErrors(a, b);
  CHECK(e.mean == doctest::Approx(2.0));
  CHECK(e.max == doctest::Approx(5.0));
  CHECK_THROWS_AS(pointErrors(a, Points(2, 2)), std::invalid_argument);
}

TEST_CASE("endpoint error orders on smooth fields: Euler 1, midpoint 2, Heun 2, RK4 4 (±0.3)") {
  const double expectedOrder[] = {1.0, 2.0, 2.0, 4.0};
  const Points x0 = spread(50);
  const std::vector<int> steps{4, 8, 16, 32};
  SUBCASE("linear rotation and decay, against the closed form") {
    const Eigen::Matrix2d a = 2.0 * rotationDecay();
    const Eigen::Matrix2Xd exact = expm(a, 1.0) * x0.cast<double>();
    for (int m = 0; m < 4; ++m) {
      std::vector<double> errors;
      for (int n : steps) {
        Points x = x0;
        integrate(linear(a), x, 0.0, 1.0, SolverConfig::fixed(kFixed[m], n));
        errors.push_back((x.cast<double>() - exact).colwise().norm().mean());
      }
      CAPTURE(m);
      CHECK(std::abs(fittedOrder(steps, errors) - expectedOrder[m]) < 0.3);
    }
  }
  SUBCASE("a time-dependent nonlinear field, against the reference solve") {
    const Points ref = referenceStates(bentRotation, x0, {0.0, 1.0}).back();
    for (int m = 0; m < 4; ++m) {
      std::vector<double> errors;
      for (int n : steps) {
        Points x = x0;
        integrate(bentRotation, x, 0.0, 1.0, SolverConfig::fixed(kFixed[m], n));
        errors.push_back(pointErrors(x, ref).mean);
      }
      CAPTURE(m);
      CHECK(std::abs(fittedOrder(steps, errors) - expectedOrder[m]) < 0.3);
    }
  }
}

TEST_CASE("fittedOrder: the slope over the three largest N above the floor, NaN without two") {
  // error = 3·N^−2 exactly: order 2 whatever the points used.
  std::vector<int> steps{1, 2, 4, 8, 16};
  std::vector<double> errors;
  for (int n : steps) errors.push_back(3.0 / (n * n));
  CHECK(fittedOrder(steps, errors, 0.0) == doctest::Approx(2.0));
  // The last two sit on a float-rounding plateau: they are left out.
  errors[3] = errors[4] = 1e-7;
  CHECK(fittedOrder(steps, errors, 1e-5) == doctest::Approx(2.0));
  CHECK(std::isnan(fittedOrder({1, 2}, {1e-9, 1e-9}, 1e-5)));
  CHECK_THROWS_AS(fittedOrder({1, 2}, {1.0}), std::invalid_argument);
}

TEST_CASE("the ledger of a linear field is −tr(A)·(t − t0) after every step of every solver") {
  const Eigen::Matrix2d a = rotationDecay();
  const Eigen::Matrix2f af = a.cast<float>();
  const float tr = af.trace();
  const VelocityDivFn field = [af, tr](const Points& x, double, Points& v, PointRow& div) {
    v.noalias() = af * x;
    div.setConstant(tr);
  };
  const Points x0 = spread(7);
  for (Solver s : kFixed) {
    const SolverRun run = runSolverWithLedger(field, x0, 1.0, 0.0, SolverConfig::fixed(s, 5), 2);
    REQUIRE(run.ledger.size() == run.times.size());
    REQUIRE(run.stages.size() == 5);
    for (std::size_t k = 0; k < run.times.size(); ++k)
      for (Eigen::Index i = 0; i < x0.cols(); ++i)
        CHECK(run.ledger[k](i) == doctest::Approx(-tr * (run.times[k] - 1.0)).epsilon(1e-5));
    // Halfway: the integral so far is half the whole (the divergence is constant).
    const LedgerReading mid = readLedger(run, 3, 2);
    CHECK(mid.soFar == doctest::Approx(-tr * (run.times[2] - 1.0)).epsilon(1e-5));
    CHECK(mid.total == doctest::Approx(tr).epsilon(1e-5));
    // The states are those of the plain solve.
    const SolverRun plain = runSolver(linear(a), x0, 1.0, 0.0, SolverConfig::fixed(s, 5), 0);
    CHECK((plain.states.back() - run.states.back()).cwiseAbs().maxCoeff() == 0.0f);
  }
}
