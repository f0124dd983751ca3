// Tests of the ODE solvers against closed forms: convergence order, tolerance, dense output,
// log-density transport, trajectories, bookkeeping and argument checks.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/ode/ode.hpp"

using namespace flowlab::core;

namespace {

constexpr Solver kFixed[] = {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4};
constexpr Solver kAll[] = {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4,
                           Solver::Dopri5};

// A 2×2 system with rotation, decay and shear: eigenvalues −0.35 ± 1.79i.
Eigen::Matrix2d testMatrix() {
  Eigen::Matrix2d a;
  a << -0.4, -2.0, 1.6, -0.3;
  return a;
}

// e^{At} for 2×2 A in closed form: A = sI + B with B traceless, so B² = −det(B)·I and
// e^{Bt} = cos(rt)·I + sin(rt)/r·B (r² = det B > 0), cosh/sinh when det B < 0.
Eigen::Matrix2d expm2(const Eigen::Matrix2d& a, double t) {
  const double s = 0.5 * a.trace();
  const Eigen::Matrix2d b = a - s * Eigen::Matrix2d::Identity();
  const double det = b.determinant();
  double c = 1.0, sh = t;
  if (det > 0.0) {
    const double r = std::sqrt(det);
    c = std::cos(r * t);
    sh = std::sin(r * t) / r;
  } else if (det < 0.0) {
    const double r = std::sqrt(-det);
    c = std::cosh(r * t);
    sh = std::sinh(r * t) / r;
  }
  return std::exp(s * t) * (c * Eigen::Matrix2d::Identity() + sh * b);
}

VelocityFn linearField(const Eigen::Matrix2d& a, long* calls = nullptr) {
  const Eigen::Matrix2f af = a.cast<float>();
  return [af, calls](const Points& x, double, Points& v) {
    v.noalias() = af * x;
    if (calls) ++*calls;
  };
}

VelocityDivFn linearDivField(const Eigen::Matrix2d& a) {
  const Eigen::Matrix2f af = a.cast<float>();
  const float tr = af.trace();
  return [af, tr](const Points& x, double, Points& v, PointRow& div) {
    v.noalias() = af * x;
    div.setConstant(tr);
  };
}

// A few points spread over the plane (2×8), |x| ≲ 1.5.
Points startPoints() {
  Points x(2, 8);
  for (int i = 0; i < 8; ++i) {
    const double angle = 0.7 * i + 0.3;
    const double radius = 0.5 + 0.13 * i;
    x(0, i) = static_cast<float>(radius * std::cos(angle));
    x(1, i) = static_cast<float>(radius * std::sin(angle));
  }
  return x;
}

Eigen::Matrix2Xd exactLinear(const Eigen::Matrix2d& a, const Points& x0, double t0, double t) {
  return expm2(a, t - t0) * x0.cast<double>();
}

double maxError(const Points& x, const Eigen::Matrix2Xd& exact) {
  return (x.cast<double>() - exact).cwiseAbs().maxCoeff();
}

double linearError(Solver s, int steps, double t0, double t1) {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  Points x = x0;
  integrate(linearField(a), x, t0, t1, SolverConfig::fixed(s, steps));
  return maxError(x, exactLinear(a, x0, t0, t1));
}

int order(Solver s) {
  switch (s) {
    case Solver::Euler:
      return 1;
    case Solver::Midpoint:
    case Solver::Heun:
      return 2;
    case Solver::RK4:
      return 4;
    case Solver::Dopri5:
      return 5;
  }
  return 0;
}

// Step counts with errors well above float rounding (~1e-7) and in the asymptotic regime.
int coarseSteps(Solver s) {
  switch (s) {
    case Solver::Euler:
      return 400;
    case Solver::Midpoint:
    case Solver::Heun:
      return 40;
    default:
      return 10;
  }
}

// One explicit RK step in double from a Butcher tableau (independent of the solver code).
template <class F>
Eigen::Vector2d tableauStep(const ButcherTableau& tb, const F& f, const Eigen::Vector2d& x,
                            double t, double h, bool embedded = false) {
  std::vector<Eigen::Vector2d> k(static_cast<std::size_t>(tb.stages));
  for (int i = 0; i < tb.stages; ++i) {
    Eigen::Vector2d xi = x;
    for (int j = 0; j < i; ++j) xi += h * tb.a[i][j] * k[static_cast<std::size_t>(j)];
    k[static_cast<std::size_t>(i)] = f(xi, t + tb.c[i] * h);
  }
  Eigen::Vector2d out = x;
  for (int i = 0; i < tb.stages; ++i) {
    const double w = embedded ? tb.b[i] - tb.e[i] : tb.b[i];
    out += h * w * k[static_cast<std::size_t>(i)];
  }
  return out;
}

}  // namespace

TEST_CASE("closed-form matrix exponential matches its Taylor series") {
  const Eigen::Matrix2d a = testMatrix();
  for (double t : {0.3, 1.0, -0.7}) {
    Eigen::Matrix2d sum = Eigen::Matrix2d::Identity(), term = Eigen::Matrix2d::Identity();
    for (int k = 1; k < 40; ++k) {
      term = term * (a * t) / k;
      sum += term;
    }
    CHECK((expm2(a, t) - sum).cwiseAbs().maxCoeff() < 1e-13);
  }
  Eigen::Matrix2d hyperbolic;
  hyperbolic << 0.2, 1.0, 0.5, -0.1;  // real eigenvalues: the cosh branch
  Eigen::Matrix2d sum = Eigen::Matrix2d::Identity(), term = Eigen::Matrix2d::Identity();
  for (int k = 1; k < 40; ++k) {
    term = term * hyperbolic / k;
    sum += term;
  }
  CHECK((expm2(hyperbolic, 1.0) - sum).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("solver names round-trip, stage counts") {
  for (Solver s : kAll) {
    const auto parsed = parseSolver(solverName(s));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == s);
  }
  CHECK(parseSolver("RK4") == Solver::RK4);
  CHECK_FALSE(parseSolver("rk45").has_value());
  CHECK_FALSE(parseSolver("").has_value());
  CHECK(stagesPerStep(Solver::Euler) == 1);
  CHECK(stagesPerStep(Solver::Midpoint) == 2);
  CHECK(stagesPerStep(Solver::Heun) == 2);
  CHECK(stagesPerStep(Solver::RK4) == 4);
  CHECK(stagesPerStep(Solver::Dopri5) == 6);
  CHECK(isAdaptive(Solver::Dopri5));
  for (Solver s : kFixed) CHECK_FALSE(isAdaptive(s));
}

TEST_CASE("fixed-step solvers converge at their order, forward and backward") {
  for (Solver s : kFixed) {
    const int n = coarseSteps(s);
    for (const auto& [t0, t1] : {std::pair{0.0, 2.0}, std::pair{2.0, 0.0}}) {
      CAPTURE(solverName(s));
      CAPTURE(t0);
      const double e1 = linearError(s, n, t0, t1);
      const double e2 = linearError(s, 2 * n, t0, t1);
      const double observed = std::log2(e1 / e2);
      CHECK(std::abs(observed - order(s)) <= 0.3);
    }
  }
}

TEST_CASE("backward integration inverts forward integration") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  const VelocityFn field = linearField(a);
  for (Solver s : {Solver::RK4, Solver::Dopri5}) {
    CAPTURE(solverName(s));
    Points x = x0;
    SolverConfig config{s, 200, 1e-7, 1e-7};
    integrate(field, x, 0.0, 2.0, config);
    CHECK(maxError(x, exactLinear(a, x0, 0.0, 2.0)) < 2e-5);
    integrate(field, x, 2.0, 0.0, config);
    CHECK(maxError(x, x0.cast<double>()) < 2e-5);
  }
  // A low-order solver does not invert itself exactly: the round trip error is O(h).
  Points x = x0;
  integrate(field, x, 0.0, 2.0, SolverConfig::euler(50));
  integrate(field, x, 2.0, 0.0, SolverConfig::euler(50));
  CHECK(maxError(x, x0.cast<double>()) > 1e-3);
}

TEST_CASE("dopri5 meets its tolerance and tightens with it") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  double previous = 1e300;
  int previousSteps = 0;
  for (double tol : {1e-3, 1e-4, 1e-5, 1e-6}) {
    CAPTURE(tol);
    for (const auto& [t0, t1] : {std::pair{0.0, 3.0}, std::pair{3.0, 0.0}}) {
      Points x = x0;
      const IntegrationStats st =
          integrate(linearField(a), x, t0, t1, SolverConfig::dopri5(tol, tol));
      const double err = maxError(x, exactLinear(a, x0, t0, t1));
      // Scale of the error norm: atol + rtol·|x| with |x| ≲ 1.5 here.
      CHECK(err <= 10.0 * tol * 2.5);
      if (t0 == 0.0) {
        CHECK(err < previous);
        CHECK(st.acceptedSteps > previousSteps);
        previous = err;
        previousSteps = st.acceptedSteps;
      }
    }
  }
}

TEST_CASE("dopri5 NFE bookkeeping: 2 + 6 per attempted step (FSAL)") {
  long calls = 0;
  const Points x0 = startPoints();
  {
    Points x = x0;
    const IntegrationStats st =
        integrate(linearField(testMatrix(), &calls), x, 0.0, 3.0, SolverConfig{Solver::Dopri5});
    CHECK(st.nfe == calls);
    CHECK(st.nfe == 2 + 6L * (st.acceptedSteps + st.rejectedSteps));
  }
  // A field that switches on abruptly at t = 0.5 forces rejections.
  calls = 0;
  const VelocityFn kick = [&calls](const Points& x, double t, Points& v) {
    ++calls;
    v = (t < 0.5 ? 0.0f : -10.0f) * x;
  };
  Points x = x0;
  const IntegrationStats st = integrate(kick, x, 0.0, 1.0, SolverConfig::dopri5(1e-6, 1e-6));
  CHECK(st.rejectedSteps > 0);
  CHECK(st.nfe == calls);
  CHECK(st.nfe == 2 + 6L * (st.acceptedSteps + st.rejectedSteps));
  CHECK(maxError(x, x0.cast<double>() * std::exp(-5.0)) < 1e-5);
}

TEST_CASE("fixed-step NFE = steps × stages") {
  for (Solver s : kFixed) {
    long calls = 0;
    Points x = startPoints();
    const IntegrationStats st =
        integrate(linearField(testMatrix(), &calls), x, 0.0, 1.0, SolverConfig::fixed(s, 7));
    CHECK(st.nfe == 7L * stagesPerStep(s));
    CHECK(calls == st.nfe);
    CHECK(st.acceptedSteps == 7);
    CHECK(st.rejectedSteps == 0);
  }
}

TEST_CASE("dopri5 dense output matches the exact solution between steps") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  for (double tol : {1e-3, 1e-5}) {
    CAPTURE(tol);
    Trajectory dense;
    dense.samples = 64;
    Points x = x0;
    const IntegrationStats st =
        integrate(linearField(a), x, 0.0, 4.0, SolverConfig::dopri5(tol, tol), &dense);
    REQUIRE(dense.states.size() == 65);
    REQUIRE(dense.times.size() == 65);
    CHECK(st.acceptedSteps < 64);  // most samples fall strictly inside steps
    double worst = 0.0;
    for (std::size_t k = 0; k < dense.times.size(); ++k) {
      CHECK(dense.times[k] == doctest::Approx(4.0 * static_cast<double>(k) / 64).epsilon(1e-14));
      worst = std::max(worst, maxError(dense.states[k], exactLinear(a, x0, 0.0, dense.times[k])));
    }
    CHECK(worst <= 10.0 * tol * 2.5);

    // Linear interpolation between the accepted steps is much worse: the test can tell a
    // 4th-order continuous extension from a crude one.
    Trajectory steps;
    Points y = x0;
    integrate(linearField(a), y, 0.0, 4.0, SolverConfig::dopri5(tol, tol), &steps);
    double worstLinear = 0.0;
    for (std::size_t k = 1; k < steps.times.size(); ++k) {
      const double tm = 0.5 * (steps.times[k - 1] + steps.times[k]);
      const Eigen::Matrix2Xd mid =
          0.5 * (steps.states[k - 1].cast<double>() + steps.states[k].cast<double>());
      worstLinear =
          std::max(worstLinear, (mid - exactLinear(a, x0, 0.0, tm)).cwiseAbs().maxCoeff());
    }
    CHECK(worstLinear > 10.0 * worst);
  }
}

TEST_CASE("trajectories: sizes, times, endpoints") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  SUBCASE("fixed step records every step") {
    for (Solver s : kFixed) {
      Trajectory tr;
      tr.logDensities.resize(3);  // stale content from an earlier log-density call
      Points x = x0;
      integrate(linearField(a), x, 1.0, -0.5, SolverConfig::fixed(s, 12), &tr);
      REQUIRE(tr.times.size() == 13);
      REQUIRE(tr.states.size() == 13);
      CHECK(tr.logDensities.empty());
      CHECK(tr.times.front() == 1.0);
      CHECK(tr.times.back() == -0.5);
      for (std::size_t k = 0; k < 13; ++k)
        CHECK(tr.times[k] == doctest::Approx(1.0 - 1.5 * static_cast<double>(k) / 12));
      CHECK(tr.states.front() == x0);
      CHECK(tr.states.back() == x);
      // Reuse with fewer steps shrinks it.
      integrate(linearField(a), x, 0.0, 1.0, SolverConfig::fixed(s, 3), &tr);
      CHECK(tr.states.size() == 4);
      CHECK(tr.times.size() == 4);
    }
  }
  SUBCASE("dopri5 without samples records every accepted step") {
    Trajectory tr;
    Points x = x0;
    const IntegrationStats st =
        integrate(linearField(a), x, 2.0, 0.0, SolverConfig{Solver::Dopri5}, &tr);
    REQUIRE(tr.times.size() == static_cast<std::size_t>(st.acceptedSteps) + 1);
    REQUIRE(tr.states.size() == tr.times.size());
    CHECK(tr.times.front() == 2.0);
    CHECK(tr.times.back() == 0.0);
    for (std::size_t k = 1; k < tr.times.size(); ++k) CHECK(tr.times[k] < tr.times[k - 1]);
    CHECK(tr.states.back() == x);
  }
  SUBCASE("dopri5 with samples records samples + 1 uniform times") {
    Trajectory tr;
    tr.samples = 10;
    Points x = x0;
    integrate(linearField(a), x, 0.0, -1.0, SolverConfig::dopri5(1e-6, 1e-6), &tr);
    REQUIRE(tr.times.size() == 11);
    REQUIRE(tr.states.size() == 11);
    CHECK(tr.times.front() == 0.0);
    CHECK(tr.times.back() == -1.0);
    for (std::size_t k = 0; k < 11; ++k)
      CHECK(tr.times[k] == doctest::Approx(-0.1 * static_cast<double>(k)));
    CHECK(tr.states.front() == x0);
    CHECK(tr.states.back() == x);
  }
  SUBCASE("log-density trajectories carry ℓ") {
    for (Solver s : kAll) {
      Trajectory tr;
      tr.samples = 5;
      Points x = x0;
      PointRow l = PointRow::Constant(8, 0.25f);
      integrateWithLogDensity(linearDivField(a), x, l, 0.0, 1.0, SolverConfig{s, 5, 1e-6, 1e-6},
                              &tr);
      REQUIRE(tr.logDensities.size() == 6);
      REQUIRE(tr.states.size() == 6);
      for (std::size_t k = 0; k < 6; ++k) {
        CHECK(tr.logDensities[k](0) ==
              doctest::Approx(0.25 - a.trace() * tr.times[k]).epsilon(1e-5));
      }
      CHECK(tr.logDensities.back() == l);
    }
  }
  SUBCASE("t0 == t1 evaluates nothing") {
    long calls = 0;
    Trajectory tr;
    Points x = x0;
    const IntegrationStats st =
        integrate(linearField(a, &calls), x, 0.5, 0.5, SolverConfig::rk4(4), &tr);
    CHECK(st.nfe == 0);
    CHECK(calls == 0);
    CHECK(x == x0);
    CHECK(tr.states.size() == 5);
    tr.samples = 3;
    integrate(linearField(a, &calls), x, 0.5, 0.5, SolverConfig{Solver::Dopri5}, &tr);
    CHECK(tr.states.size() == 4);
    CHECK(calls == 0);
  }
}

TEST_CASE("log density of a linear field changes by −tr(A)·(t1 − t0) under every solver") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  for (Solver s : kAll) {
    for (const auto& [t0, t1] : {std::pair{0.0, 1.5}, std::pair{1.5, -0.5}}) {
      CAPTURE(solverName(s));
      CAPTURE(t0);
      Points x = x0;
      PointRow l = PointRow::LinSpaced(8, -2.0f, 1.0f);
      const PointRow l0 = l;
      integrateWithLogDensity(linearDivField(a), x, l, t0, t1, SolverConfig::fixed(s, 20));
      const double expected = -a.trace() * (t1 - t0);
      CHECK(((l - l0).cast<double>().array() - expected).abs().maxCoeff() < 1e-5);
    }
  }
}

TEST_CASE("log density with a time-dependent field v = a(t)·x") {
  // a(t) = cos 3t: x(t) = x0·exp(∫a), div v = 2a(t), Δℓ = −2∫a = −(2/3)(sin 3t1 − sin 3t0).
  const VelocityDivFn field = [](const Points& x, double t, Points& v, PointRow& div) {
    const auto s = static_cast<float>(std::cos(3.0 * t));
    v = s * x;
    div.setConstant(2.0f * s);
  };
  const double t0 = 0.2, t1 = 1.4;
  const double integral = (std::sin(3.0 * t1) - std::sin(3.0 * t0)) / 3.0;
  const Points x0 = startPoints();
  struct Case {
    Solver solver;
    int steps;
    double tol;
  };
  for (const Case c : {Case{Solver::Euler, 4000, 2e-3}, Case{Solver::Midpoint, 400, 2e-5},
                       Case{Solver::Heun, 400, 2e-5}, Case{Solver::RK4, 50, 1e-5},
                       Case{Solver::Dopri5, 1, 2e-5}}) {
    CAPTURE(solverName(c.solver));
    Points x = x0;
    PointRow l = PointRow::Zero(8);
    integrateWithLogDensity(field, x, l, t0, t1, SolverConfig{c.solver, c.steps, 1e-7, 1e-7});
    CHECK((l.cast<double>().array() + 2.0 * integral).abs().maxCoeff() < c.tol);
    CHECK(maxError(x, x0.cast<double>() * std::exp(integral)) < c.tol);
  }
}

TEST_CASE("dopri5 controls the error of ℓ, not only of x") {
  // v = 0 but div v oscillates: only ℓ moves, so a controller blind to ℓ would take one step.
  const VelocityDivFn field = [](const Points& x, double t, Points& v, PointRow& div) {
    v.setZero(2, x.cols());
    div.setConstant(static_cast<float>(40.0 * std::cos(40.0 * t)));
  };
  Points x = startPoints();
  PointRow l = PointRow::Zero(8);
  const double tol = 1e-6;
  const IntegrationStats st =
      integrateWithLogDensity(field, x, l, 0.0, 1.0, SolverConfig::dopri5(tol, tol));
  CHECK(st.acceptedSteps > 20);
  CHECK(std::abs(l(0) + std::sin(40.0)) < 10.0 * tol * 2.0);
}

TEST_CASE("fixedStep performs one step of the tableau") {
  // A nonlinear, time-dependent field, in float for the solver and double for the reference.
  const auto fd = [](const Eigen::Vector2d& p, double t) {
    return Eigen::Vector2d(std::sin(p.y()) + t, p.x() * std::cos(t));
  };
  const VelocityFn field = [](const Points& x, double t, Points& v) {
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      v(0, i) = std::sin(x(1, i)) + static_cast<float>(t);
      v(1, i) = x(0, i) * static_cast<float>(std::cos(t));
    }
  };
  const Points x0 = startPoints();
  StepScratch scratch;
  for (Solver s : kFixed) {
    CAPTURE(solverName(s));
    for (double h : {0.3, -0.2}) {
      Points x = x0;
      CHECK(fixedStep(s, field, x, 0.4, h, scratch) == stagesPerStep(s));
      for (Eigen::Index i = 0; i < x.cols(); ++i) {
        const Eigen::Vector2d ref =
            tableauStep(butcherTableau(s), fd, x0.col(i).cast<double>(), 0.4, h);
        CHECK((x.col(i).cast<double>() - ref).cwiseAbs().maxCoeff() < 2e-6);
      }
      // integrate with one step is the same step.
      Points y = x0;
      integrate(field, y, 0.4, 0.4 + h, SolverConfig::fixed(s, 1));
      CHECK((x - y).cwiseAbs().maxCoeff() < 1e-6f);
    }
  }
  Points x = x0;
  CHECK_THROWS_AS(fixedStep(Solver::Dopri5, field, x, 0.0, 0.1, scratch), std::invalid_argument);
  CHECK_THROWS_AS(fixedStep(Solver::RK4, field, x, 0.0, std::nan(""), scratch),
                  std::invalid_argument);
}

TEST_CASE("Butcher tableaus satisfy their order conditions") {
  for (Solver s : kAll) {
    CAPTURE(solverName(s));
    const ButcherTableau& tb = butcherTableau(s);
    REQUIRE(tb.stages == (s == Solver::Dopri5 ? 7 : stagesPerStep(s)));
    double sumB = 0.0, sumE = 0.0;
    for (int i = 0; i < tb.stages; ++i) {
      double row = 0.0;
      for (int j = 0; j < i; ++j) row += tb.a[i][j];
      CHECK(row == doctest::Approx(tb.c[i]).epsilon(1e-14));
      sumB += tb.b[i];
      sumE += tb.e[i];
    }
    CHECK(sumB == doctest::Approx(1.0).epsilon(1e-14));
    CHECK(std::abs(sumE) < 1e-14);
    // Quadrature conditions Σ b_i c_i^{k−1} = 1/k up to the method's order.
    for (int k = 1; k <= order(s); ++k) {
      double q = 0.0;
      for (int i = 0; i < tb.stages; ++i) q += tb.b[i] * std::pow(tb.c[i], k - 1);
      CHECK(q == doctest::Approx(1.0 / k).epsilon(1e-13));
    }
  }
}

TEST_CASE("Dormand–Prince tableau: 5th-order solution, 4th-order embedded estimate") {
  // Stepping the linear system in double with the tableau alone checks every coefficient the
  // adaptive solver uses (a, b, e): halving h divides the global error by 2^5 resp. 2^4.
  const Eigen::Matrix2d a = testMatrix();
  const auto f = [&a](const Eigen::Vector2d& p, double) { return Eigen::Vector2d(a * p); };
  const Eigen::Vector2d x0(0.8, -0.3);
  const Eigen::Vector2d exact = expm2(a, 2.0) * x0;
  for (bool embedded : {false, true}) {
    double errors[2];
    for (int r = 0; r < 2; ++r) {
      const int n = 8 << r;
      Eigen::Vector2d x = x0;
      for (int k = 0; k < n; ++k)
        x = tableauStep(butcherTableau(Solver::Dopri5), f, x, 2.0 * k / n, 2.0 / n, embedded);
      errors[r] = (x - exact).norm();
    }
    CHECK(std::abs(std::log2(errors[0] / errors[1]) - (embedded ? 4.0 : 5.0)) < 0.3);
  }
}

TEST_CASE("workspace overloads give the same result as the allocating ones") {
  const Eigen::Matrix2d a = testMatrix();
  const Points x0 = startPoints();
  OdeWorkspace ws;
  for (Solver s : kAll) {
    CAPTURE(solverName(s));
    Points x1 = x0, x2 = x0, x3 = x0;
    const SolverConfig config{s, 10, 1e-5, 1e-5};
    const IntegrationStats st1 = integrate(linearField(a), x1, 0.0, 1.0, config);
    const IntegrationStats st2 = integrate(linearField(a), x2, 0.0, 1.0, config, ws);
    const IntegrationStats st3 = integrate(linearField(a), x3, 0.0, 1.0, config, ws);
    CHECK(x1 == x2);
    CHECK(x1 == x3);
    CHECK(st1.nfe == st2.nfe);
    CHECK(st1.nfe == st3.nfe);
    Points y1 = x0, y2 = x0;
    PointRow l1 = PointRow::Zero(8), l2 = PointRow::Zero(8);
    integrateWithLogDensity(linearDivField(a), y1, l1, 0.0, 1.0, config);
    integrateWithLogDensity(linearDivField(a), y2, l2, 0.0, 1.0, config, ws);
    CHECK(y1 == y2);
    CHECK(l1 == l2);
  }
}

TEST_CASE("bad configurations are rejected") {
  const VelocityFn field = linearField(testMatrix());
  Points x = startPoints();
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  for (Solver s : kFixed) {
    CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig::fixed(s, 0)),
                    std::invalid_argument);
    CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig::fixed(s, -3)),
                    std::invalid_argument);
  }
  for (Solver s : kAll) {
    CHECK_THROWS_AS(integrate(field, x, nan, 1.0, SolverConfig{s}), std::invalid_argument);
    CHECK_THROWS_AS(integrate(field, x, 0.0, inf, SolverConfig{s}), std::invalid_argument);
  }
  CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig::dopri5(0.0, 1e-5)),
                  std::invalid_argument);
  CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig::dopri5(1e-5, -1e-5)),
                  std::invalid_argument);
  CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig::dopri5(nan, 1e-5)),
                  std::invalid_argument);
  CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig{Solver::Dopri5, 1, 1e-5, 1e-5, 0}),
                  std::invalid_argument);
  Trajectory tr;
  tr.samples = -1;
  CHECK_THROWS_AS(integrate(field, x, 0.0, 1.0, SolverConfig{Solver::Dopri5}, &tr),
                  std::invalid_argument);
  PointRow wrong(3);
  CHECK_THROWS_AS(
      integrateWithLogDensity(linearDivField(testMatrix()), x, wrong, 0.0, 1.0, SolverConfig{}),
      std::invalid_argument);
}

TEST_CASE("dopri5 gives up with std::runtime_error") {
  Points x = startPoints();
  SUBCASE("beyond maxSteps") {
    const Points before = x;
    Trajectory tr;
    tr.states.resize(50);  // stale entries from an earlier, longer call
    CHECK_THROWS_AS(integrate(linearField(testMatrix()), x, 0.0, 10.0,
                              SolverConfig{Solver::Dopri5, 1, 1e-6, 1e-6, 5}, &tr),
                    std::runtime_error);
    CHECK(x != before);  // holds the last accepted state
    CHECK(x.allFinite());
    // The trajectory is the consistent prefix up to the failure.
    REQUIRE(tr.states.size() == tr.times.size());
    REQUIRE(tr.states.size() >= 2);
    CHECK(tr.states.back() == x);
  }
  SUBCASE("on a field that returns NaN") {
    const VelocityFn bad = [](const Points& y, double t, Points& v) {
      v = y;
      if (t > 0.3) v.setConstant(std::nanf(""));
    };
    CHECK_THROWS_AS(integrate(bad, x, 0.0, 1.0, SolverConfig{Solver::Dopri5}), std::runtime_error);
  }
  SUBCASE("a field that resizes its output is a logic error") {
    const VelocityFn resizing = [](const Points&, double, Points& v) { v.setZero(2, 1); };
    CHECK_THROWS_AS(integrate(resizing, x, 0.0, 1.0, SolverConfig::rk4(2)), std::logic_error);
  }
}
