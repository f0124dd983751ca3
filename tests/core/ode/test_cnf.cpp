// test_cnf.cpp: the differentiable log-density solve (backprop through the solver and adjoint),
// Hutchinson's estimator, the RNODE regularisers, reverse-over-forward divergence gradients, the
// reverse-KL target score, and the CNF / reverse-KL objectives training on small problems.
#include <doctest/doctest.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numbers>
#include <vector>

#include "core/eval/flow_evaluator.hpp"
#include "core/nn/adam.hpp"
#include "core/nn/mlp.hpp"
#include "core/objectives/objective.hpp"
#include "core/objectives/reverse_kl.hpp"
#include "core/ode/cnf_solve.hpp"
#include "core/ode/ode.hpp"
#include "core/targets/targets.hpp"

using namespace flowlab::core;

namespace {

const double kLogTwoPi = std::log(2.0 * std::numbers::pi);

MlpConfig smallConfig(int hidden = 16, int layers = 2, Activation act = Activation::Tanh) {
  MlpConfig c;
  c.hidden = hidden;
  c.layers = layers;
  c.activation = act;
  return c;
}

// PyTorch-default parameters scaled by `gain`, so the field is clearly nonlinear.
ParamVec initParams(const Mlp& mlp, std::uint64_t seed, float gain = 2.0f) {
  ParamVec theta(mlp.paramCount());
  Rng rng(seed);
  mlp.initParams(theta, rng);
  return gain * theta;
}

Points randomPoints(Eigen::Index n, std::uint64_t seed, float scale = 1.5f) {
  Points x(2, n);
  Rng rng(seed);
  rng.fillNormal(x);
  return scale * x;
}

CnfOptions options(Solver s, int steps, GradientMode g = GradientMode::Backprop) {
  CnfOptions o;
  o.solver.solver = s;
  o.solver.steps = steps;
  o.gradient = g;
  return o;
}

// The test loss L = mean_i [½‖x_i(t_b)‖² + 0.7·ℓ_i(t_b)] + R, and its gradients.
struct SolveResult {
  double loss = 0.0;
  ParamVec grad;
  Points dxStart;
  Points xEnd;
  PointRow ellEnd;
  CnfSolveStats stats;
};

constexpr float kEllWeight = 0.7f;

SolveResult runSolve(const Mlp& mlp, const ParamVec& theta, const Points& x0, const CnfOptions& opt,
                     double ta = 1.0, double tb = 0.0, std::uint64_t probeSeed = 7,
                     bool withGrad = true) {
  CnfSolve solve(mlp, opt);
  SolveResult r;
  const Eigen::Index b = x0.cols();
  Points x = x0;
  PointRow ell = PointRow::Zero(b);
  Rng rng(probeSeed);
  solve.forward(theta.data(), x, ell, ta, tb, &rng);
  r.loss = (0.5 * x.cast<double>().colwise().squaredNorm().sum() +
            kEllWeight * ell.cast<double>().sum()) /
               static_cast<double>(b) +
           solve.stats().regularizer;
  r.xEnd = x;
  r.ellEnd = ell;
  if (withGrad) {
    const Points dx = x / static_cast<float>(b);
    const PointRow dell = PointRow::Constant(b, kEllWeight / static_cast<float>(b));
    r.grad = ParamVec::Zero(theta.size());
    solve.backward(theta.data(), dx, dell, r.grad, &r.dxStart);
  }
  r.stats = solve.stats();
  return r;
}

// Central difference of f along d with step eps.
double directional(const std::function<double(const ParamVec&)>& f, const ParamVec& theta,
                   const ParamVec& d, float eps) {
  return (f(theta + eps * d) - f(theta - eps * d)) / (2.0 * eps);
}

// Unit directions: the gradient itself, a random sign vector, their mix, and the coordinate
// axes of the three largest and three random gradient entries.
std::vector<ParamVec> testDirections(const ParamVec& g, std::uint64_t seed) {
  Rng rng(seed);
  ParamVec r(g.size());
  for (Eigen::Index i = 0; i < r.size(); ++i) r(i) = rng.uniform() < 0.5 ? -1.0f : 1.0f;
  r.normalize();
  const ParamVec gn = g.normalized();
  std::vector<ParamVec> dirs = {gn, r, (gn + r).normalized()};
  std::vector<Eigen::Index> order(static_cast<std::size_t>(g.size()));
  for (Eigen::Index i = 0; i < g.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::partial_sort(
      order.begin(), order.begin() + 3, order.end(),
      [&](Eigen::Index a, Eigen::Index b) { return std::abs(g(a)) > std::abs(g(b)); });
  for (int k = 0; k < 6; ++k) {
    const Eigen::Index i =
        k < 3 ? order[static_cast<std::size_t>(k)]
              : static_cast<Eigen::Index>(rng.below(static_cast<std::uint32_t>(g.size())));
    dirs.push_back(ParamVec::Unit(g.size(), i));
  }
  return dirs;
}

// Checks ⟨g, d⟩ against central differences of loss along each test direction:
// |analytic − numeric| ≤ relTol·|numeric| + absTol·‖g‖.
void checkGradient(const std::function<double(const ParamVec&)>& loss, const ParamVec& theta,
                   const ParamVec& grad, float eps, double relTol, double absTol = 5e-5) {
  const double gnorm = grad.cast<double>().norm();
  REQUIRE(gnorm > 1e-6);
  for (const ParamVec& d : testDirections(grad, 11)) {
    const double analytic = grad.cast<double>().dot(d.cast<double>());
    const double numeric = directional(loss, theta, d, eps);
    CAPTURE(analytic);
    CAPTURE(numeric);
    CAPTURE(gnorm);
    CHECK(std::abs(analytic - numeric) <= relTol * std::abs(numeric) + absTol * gnorm);
  }
}

Eigen::Matrix2d expm(const Eigen::Matrix2d& a) {
  Eigen::Matrix2d term = Eigen::Matrix2d::Identity(), sum = term;
  for (int k = 1; k < 40; ++k) {
    term = term * a / k;
    sum += term;
  }
  return sum;
}

// A test-only Gaussian target N(μ, Σ).
class GaussianTarget final : public Target {
 public:
  GaussianTarget(Eigen::Vector2d mu, Eigen::Matrix2d cov) : mu_(mu), cov_(cov) {
    chol_ = cov.llt().matrixL();
    prec_ = cov.inverse();
    logNorm_ = -kLogTwoPi - 0.5 * std::log(cov.determinant());
  }
  std::string name() const override { return "test-gaussian"; }
  void sample(Points& out, Rng& rng) const override {
    for (Eigen::Index i = 0; i < out.cols(); ++i) {
      const Eigen::Vector2d z(rng.normal(), rng.normal());
      out.col(i) = (mu_ + chol_ * z).cast<float>();
    }
  }
  void logDensity(const Points& x, Eigen::VectorXd& out) const override {
    out.resize(x.cols());
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      const Eigen::Vector2d u = x.col(i).cast<double>() - mu_;
      out(i) = logNorm_ - 0.5 * u.dot(prec_ * u);
    }
  }
  Box bounds() const override { return {mu_(0) - 5.0, mu_(1) - 5.0, mu_(0) + 5.0, mu_(1) + 5.0}; }
  Eigen::Vector2d score(const Eigen::Vector2d& x) const { return -prec_ * (x - mu_); }

 private:
  Eigen::Vector2d mu_;
  Eigen::Matrix2d cov_, chol_, prec_;
  double logNorm_;
};

}  // namespace

TEST_CASE("linear field: log density through integrateWithLogDensity matches the closed form") {
  // v = A x: x(1) = e^A x(0), so log p₁(x) = log N(e^{−A} x; 0, I) − t·tr A at t = 1.
  Eigen::Matrix2d A;
  A << 0.3, -1.2, 0.8, -0.5;
  const Eigen::Matrix2f Af = A.cast<float>();
  const VelocityDivFn field = [&](const Points& x, double, Points& v, PointRow& div) {
    v = Af * x;
    div.setConstant(static_cast<float>(A.trace()));
  };
  const Points x1 = randomPoints(200, 3, 2.0f);
  Points x = x1;
  PointRow acc = PointRow::Zero(x.cols());
  integrateWithLogDensity(field, x, acc, 1.0, 0.0, SolverConfig::rk4(8));
  PointRow logp;
  standardNormalLogDensity(x, logp);
  logp -= acc;
  const Eigen::Matrix2d back = expm(-A);
  double worst = 0.0;
  for (Eigen::Index i = 0; i < x1.cols(); ++i) {
    const Eigen::Vector2d z = back * x1.col(i).cast<double>();
    const double exact = -0.5 * z.squaredNorm() - kLogTwoPi - A.trace();
    worst = std::max(worst, std::abs(exact - logp(i)));
  }
  CHECK(worst < 2e-4);
  CHECK(acc(0) == doctest::Approx(A.trace()).epsilon(1e-5));
}

TEST_CASE("CnfSolve forward equals integrateWithLogDensity for every solver") {
  const Mlp mlp(smallConfig());
  const ParamVec theta = initParams(mlp, 1);
  MlpWorkspace ws;
  PointRow trow;
  MatrixF y;
  const VelocityDivFn field = [&](const Points& x, double t, Points& v, PointRow& div) {
    trow.setConstant(x.cols(), static_cast<float>(t));
    mlp.divergence(theta.data(), x, trow, y, div, ws);
    v = y;
  };
  const Points x0 = randomPoints(64, 5);
  for (Solver s : {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4, Solver::Dopri5}) {
    CAPTURE(solverName(s));
    CnfOptions o = options(s, 6);
    Points xr = x0;
    PointRow lr = PointRow::Zero(x0.cols());
    const IntegrationStats st = integrateWithLogDensity(field, xr, lr, 1.0, 0.0, o.solver);
    const SolveResult r = runSolve(mlp, theta, x0, o, 1.0, 0.0, 7, false);
    CHECK((r.xEnd - xr).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK((r.ellEnd - lr).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK(r.stats.nfeForward == st.nfe);
    CHECK(r.stats.stepsForward == st.acceptedSteps);
  }
}

TEST_CASE("CnfSolve converges at the solver's order and agrees with the change of variables") {
  const Mlp mlp(smallConfig(12, 1));  // one hidden layer
  const ParamVec theta = initParams(mlp, 2, 2.5f);
  const Points x1 = randomPoints(32, 8);
  const auto ellErr = [&](Solver s, int n) {
    const SolveResult fine =
        runSolve(mlp, theta, x1, options(Solver::RK4, 512), 1.0, 0.0, 7, false);
    const SolveResult r = runSolve(mlp, theta, x1, options(s, n), 1.0, 0.0, 7, false);
    return (r.ellEnd - fine.ellEnd).cwiseAbs().maxCoeff() +
           (r.xEnd - fine.xEnd).cwiseAbs().maxCoeff();
  };
  const double eulerRatio = ellErr(Solver::Euler, 32) / ellErr(Solver::Euler, 64);
  const double midRatio = ellErr(Solver::Midpoint, 16) / ellErr(Solver::Midpoint, 32);
  const double rk4Ratio = ellErr(Solver::RK4, 4) / ellErr(Solver::RK4, 8);
  CAPTURE(eulerRatio);
  CAPTURE(midRatio);
  CAPTURE(rk4Ratio);
  CHECK(eulerRatio > 1.6);
  CHECK(eulerRatio < 2.5);
  CHECK(midRatio > 3.0);
  CHECK(midRatio < 5.5);
  CHECK(rk4Ratio > 9.0);

  // Change of variables: ℓ(0) = ∫₀¹ div v = log|det ∂x₁/∂x₀| of the flow map, from central
  // differences of the forward map x₀ → x₁ (fine RK4).
  const SolveResult back = runSolve(mlp, theta, x1, options(Solver::RK4, 256), 1.0, 0.0, 7, false);
  const float h = 1e-2f;
  double worst = 0.0;
  for (Eigen::Index i = 0; i < 8; ++i) {
    Points p(2, 4);
    for (int k = 0; k < 4; ++k) p.col(k) = back.xEnd.col(i);
    p(0, 0) += h;
    p(0, 1) -= h;
    p(1, 2) += h;
    p(1, 3) -= h;
    const SolveResult fwd = runSolve(mlp, theta, p, options(Solver::RK4, 256), 0.0, 1.0, 7, false);
    Eigen::Matrix2d J;
    J.col(0) = ((fwd.xEnd.col(0) - fwd.xEnd.col(1)) / (2 * h)).cast<double>();
    J.col(1) = ((fwd.xEnd.col(2) - fwd.xEnd.col(3)) / (2 * h)).cast<double>();
    worst = std::max(worst, std::abs(std::log(std::abs(J.determinant())) - back.ellEnd(i)));
  }
  CHECK(worst < 2e-3);
}

TEST_CASE("Hutchinson's estimator is unbiased, with the variance of its probe") {
  // One Euler step of length h from t_a: ℓ(t_b) = −h·(εᵀJε), so each forward() with a fresh
  // probe yields one estimate per point.
  const Mlp mlp(smallConfig());
  const ParamVec theta = initParams(mlp, 3);
  const Points x = randomPoints(6, 9);
  const double ta = 0.3, h = 1e-3;
  MlpWorkspace ws;
  MatrixF y, jac;
  const PointRow trow = PointRow::Constant(x.cols(), static_cast<float>(ta));
  mlp.jacobian(theta.data(), x, trow, y, jac, ws);  // (J00, J10, J01, J11) per column

  for (HutchinsonProbe probe : {HutchinsonProbe::Gaussian, HutchinsonProbe::Rademacher}) {
    CAPTURE(static_cast<int>(probe));
    CnfOptions o = options(Solver::Euler, 1);
    o.trace = TraceEstimator::Hutchinson;
    o.probe = probe;
    o.jacobianWeight = 1.0;  // so the Frobenius estimate is computed as well
    CnfSolve solve(mlp, o);
    Rng rng(1234);
    const int runs = 4000;
    Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(x.cols()), sumSq = sum;
    double frobSum = 0.0;
    for (int r = 0; r < runs; ++r) {
      Points xx = x;
      PointRow ell = PointRow::Zero(x.cols());
      solve.forward(theta.data(), xx, ell, ta, ta + h, &rng);
      const Eigen::ArrayXd est = (-ell.cast<double>() / h).transpose().array();
      sum += est;
      sumSq += est.square();
      frobSum += solve.stats().frobenius / h;
    }
    const Eigen::ArrayXd mean = sum / runs, var = sumSq / runs - mean.square();
    double varTheory = 0.0, varSample = 0.0, frobExact = 0.0;
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      const double j00 = jac(0, i), j10 = jac(1, i), j01 = jac(2, i), j11 = jac(3, i);
      const double exact = j00 + j11;
      CHECK(std::abs(mean(i) - exact) < 4.0 * std::sqrt(var(i) / runs) + 1e-4);
      // Var εᵀJε: Gaussian 2‖S‖²_F, Rademacher 4·S₀₁² (S the symmetric part of J).
      const double s01 = 0.5 * (j01 + j10);
      varTheory += probe == HutchinsonProbe::Gaussian
                       ? 2.0 * (j00 * j00 + j11 * j11 + 2.0 * s01 * s01)
                       : 4.0 * s01 * s01;
      varSample += var(i);
      frobExact += (j00 * j00 + j10 * j10 + j01 * j01 + j11 * j11) / x.cols();
    }
    CHECK(varSample == doctest::Approx(varTheory).epsilon(0.15));
    CHECK(frobSum / runs == doctest::Approx(frobExact).epsilon(0.05));
  }
}

TEST_CASE("reverse-over-forward divergence gradient matches finite differences") {
  const Mlp mlp(smallConfig(16, 2, Activation::SiLU));
  const ParamVec theta = initParams(mlp, 4);
  const Points x = randomPoints(16, 10);
  const PointRow t = PointRow::Constant(x.cols(), 0.4f);
  Rng rng(5);
  MatrixF u(2, x.cols());
  rng.fillNormal(u);
  PointRow w(x.cols());
  rng.fillNormal(w);
  // L = Σ_i ⟨u_i, v_i⟩ + w_i·div_i
  const auto loss = [&](const ParamVec& th, const Points& xx) {
    MlpWorkspace ws;
    MatrixF y;
    PointRow div;
    mlp.divergence(th.data(), xx, t, y, div, ws);
    return (u.cast<double>().array() * y.cast<double>().array()).sum() +
           (w.cast<double>().array() * div.cast<double>().array()).sum();
  };
  MlpWorkspace ws;
  MatrixF y, dx;
  PointRow div;
  mlp.divergence(theta.data(), x, t, y, div, ws);
  ParamVec grad = ParamVec::Zero(theta.size());
  mlp.divergenceBackward(theta.data(), u, w, grad, &dx, ws);
  checkGradient([&](const ParamVec& th) { return loss(th, x); }, theta, grad, 1e-3f, 2e-3);
  // x-gradient, one coordinate at a time for a few points.
  const float h = 1e-3f;
  for (Eigen::Index i = 0; i < 4; ++i)
    for (int k = 0; k < 2; ++k) {
      Points xp = x, xm = x;
      xp(k, i) += h;
      xm(k, i) -= h;
      const double numeric = (loss(theta, xp) - loss(theta, xm)) / (2.0 * h);
      CHECK(dx(k, i) == doctest::Approx(numeric).epsilon(5e-3).scale(1.0));
    }
}

TEST_CASE("backprop through the solver matches finite differences of the loss") {
  const Mlp mlp(smallConfig(16, 2, Activation::SiLU));
  const ParamVec theta = initParams(mlp, 6);
  const Points x0 = randomPoints(24, 12);
  struct Case {
    Solver solver;
    int steps;
    TraceEstimator trace;
    double kinetic, jacobian;
  };
  const std::vector<Case> cases = {
      {Solver::Euler, 5, TraceEstimator::Exact, 0.0, 0.0},
      {Solver::Midpoint, 4, TraceEstimator::Exact, 0.0, 0.0},
      {Solver::Heun, 4, TraceEstimator::Exact, 0.0, 0.0},
      {Solver::RK4, 3, TraceEstimator::Exact, 0.0, 0.0},
      {Solver::RK4, 3, TraceEstimator::Exact, 0.3, 0.2},       // exact Jacobian path
      {Solver::RK4, 3, TraceEstimator::Hutchinson, 0.3, 0.2},  // fixed probe (same seed)
      {Solver::Dopri5, 0, TraceEstimator::Exact, 0.1, 0.0},
  };
  for (const Case& c : cases) {
    CAPTURE(solverName(c.solver));
    CAPTURE(static_cast<int>(c.trace));
    CAPTURE(c.jacobian);
    CnfOptions o = options(c.solver, c.steps);
    o.trace = c.trace;
    o.kineticWeight = c.kinetic;
    o.jacobianWeight = c.jacobian;
    o.solver.rtol = o.solver.atol = 1e-4;
    const SolveResult r = runSolve(mlp, theta, x0, o);
    CHECK(r.stats.nfeBackward > 0);
    const auto loss = [&](const ParamVec& th) {
      return runSolve(mlp, th, x0, o, 1.0, 0.0, 7, false).loss;
    };
    // Dopri5: the steps adapt to θ, so finite differences see dh/dθ too: looser.
    if (c.solver == Solver::Dopri5)
      checkGradient(loss, theta, r.grad, 2e-3f, 1e-2, 1e-3);
    else
      checkGradient(loss, theta, r.grad, 2e-3f, 2e-3);

    // ∂L/∂x(t_a), one coordinate.
    Points xp = x0, xm = x0;
    const float h = 2e-3f;
    xp(1, 3) += h;
    xm(1, 3) -= h;
    const double numeric = (runSolve(mlp, theta, xp, o, 1.0, 0.0, 7, false).loss -
                            runSolve(mlp, theta, xm, o, 1.0, 0.0, 7, false).loss) /
                           (2.0 * h);
    CHECK(r.dxStart(1, 3) == doctest::Approx(numeric).epsilon(2e-2).scale(0.05));
  }
}

TEST_CASE("regulariser gradients match finite differences") {
  const Mlp mlp(smallConfig(16, 2, Activation::Tanh));
  const ParamVec theta = initParams(mlp, 7);
  const Points x0 = randomPoints(20, 13);
  for (TraceEstimator trace : {TraceEstimator::Exact, TraceEstimator::Hutchinson}) {
    for (int which = 0; which < 2; ++which) {
      CnfOptions o = options(Solver::RK4, 4);
      o.trace = trace;
      (which == 0 ? o.kineticWeight : o.jacobianWeight) = 1.0;
      CAPTURE(static_cast<int>(trace));
      CAPTURE(which);
      // Loss = R alone: zero cotangents on (x, ℓ).
      CnfSolve solve(mlp, o);
      Points x = x0;
      PointRow ell = PointRow::Zero(x0.cols());
      Rng rng(3);
      solve.forward(theta.data(), x, ell, 0.0, 1.0, &rng);
      CHECK(solve.stats().regularizer > 0.0);
      ParamVec grad = ParamVec::Zero(theta.size());
      solve.backward(theta.data(), Points::Zero(2, x0.cols()), PointRow::Zero(x0.cols()), grad);
      const auto loss = [&](const ParamVec& th) {
        CnfSolve s(mlp, o);
        Points xx = x0;
        PointRow ll = PointRow::Zero(x0.cols());
        Rng r(3);
        s.forward(th.data(), xx, ll, 0.0, 1.0, &r);
        return s.stats().regularizer;
      };
      checkGradient(loss, theta, grad, 2e-3f, 2e-3);
    }
  }
}

TEST_CASE("adjoint gradients agree with backprop and converge to them as steps grow") {
  const Mlp mlp(smallConfig(16, 2, Activation::SiLU));
  const ParamVec theta = initParams(mlp, 8);
  const Points x0 = randomPoints(32, 14);
  const auto relDiff = [&](CnfOptions o) {
    o.gradient = GradientMode::Backprop;
    const SolveResult bp = runSolve(mlp, theta, x0, o);
    o.gradient = GradientMode::Adjoint;
    const SolveResult adj = runSolve(mlp, theta, x0, o);
    CHECK(adj.loss == doctest::Approx(bp.loss).epsilon(1e-6));
    CHECK(adj.stats.nfeBackward > 0);
    const double dxRel = (adj.dxStart - bp.dxStart).norm() / bp.dxStart.norm();
    return std::max(dxRel, static_cast<double>((adj.grad - bp.grad).norm() / bp.grad.norm()));
  };
  std::vector<double> errs;
  for (int steps : {2, 4, 8, 32}) errs.push_back(relDiff(options(Solver::RK4, steps)));
  CAPTURE(errs[0]);
  CAPTURE(errs[1]);
  CAPTURE(errs[2]);
  CAPTURE(errs[3]);
  CHECK(errs[0] > errs[1]);
  CHECK(errs[1] > errs[2]);
  CHECK(errs[3] < 1e-4);

  // With the regularisers and Hutchinson's estimator (the same probe in both passes).
  CnfOptions o = options(Solver::RK4, 32);
  o.kineticWeight = 0.5;
  o.jacobianWeight = 0.2;
  CHECK(relDiff(o) < 1e-4);
  o.trace = TraceEstimator::Hutchinson;
  CHECK(relDiff(o) < 1e-4);
  // Dopri5 both ways (backprop through its accepted steps, adaptive reverse solve).
  CnfOptions d = options(Solver::Dopri5, 0);
  d.solver.rtol = d.solver.atol = 1e-6;
  CHECK(relDiff(d) < 1e-3);
}

TEST_CASE("invalid options are rejected") {
  const Mlp mlp(smallConfig());
  CnfOptions o = options(Solver::RK4, 0);
  CHECK_THROWS_AS(CnfSolve(mlp, o), std::invalid_argument);
  o = options(Solver::Dopri5, 0);
  o.solver.rtol = 0.0;
  CHECK_THROWS_AS(CnfSolve(mlp, o), std::invalid_argument);
  o = options(Solver::RK4, 4);
  o.kineticWeight = -1.0;
  CHECK_THROWS_AS(CnfSolve(mlp, o), std::invalid_argument);
  o.kineticWeight = 0.0;
  o.trace = TraceEstimator::Hutchinson;
  CnfSolve solve(mlp, o);
  const ParamVec theta = initParams(mlp, 1);
  Points x = randomPoints(4, 1);
  PointRow ell = PointRow::Zero(4);
  CHECK_THROWS_AS(solve.forward(theta.data(), x, ell, 1.0, 0.0, nullptr), std::invalid_argument);
}

TEST_CASE("target score: finite differences of a smooth target, blur for a piecewise one") {
  auto gauss = std::make_shared<GaussianTarget>(
      Eigen::Vector2d(1.0, -0.5), (Eigen::Matrix2d() << 0.5, 0.2, 0.2, 0.3).finished());
  TargetScore smooth(gauss);
  CHECK(smooth.kind() == TargetScore::Kind::Smooth);
  Points x = randomPoints(50, 20, 1.0f);
  Eigen::VectorXd logq, exact;
  Points score;
  smooth.evaluate(x, logq, score);
  gauss->logDensity(x, exact);
  for (Eigen::Index i = 0; i < x.cols(); ++i) {
    CHECK(logq(i) == doctest::Approx(exact(i)).epsilon(1e-6));
    const Eigen::Vector2d s = gauss->score(x.col(i).cast<double>());
    CHECK((score.col(i).cast<double>() - s).norm() < 1e-3 * (1.0 + s.norm()));
  }
  // Far away: finite, clipped, pointing back toward the target.
  Points far(2, 3);
  far << 1e3f, -40.0f, std::numeric_limits<float>::quiet_NaN(), 1e3f, 30.0f, 0.0f;
  smooth.evaluate(far, logq, score);
  CHECK(std::isfinite(logq(0)));
  CHECK(std::isfinite(logq(1)));
  CHECK(score.col(0).norm() <= TargetScore::kMaxScore * 1.0001);
  CHECK(score(0, 0) < 0.0f);
  CHECK(score(1, 1) < 0.0f);
  CHECK(score.col(2).isZero());

  TargetScore board(makeBuiltinTarget("checkerboard"));
  CHECK(board.kind() == TargetScore::Kind::Blurred);
  // The centres of the 16 squares of side 2 in [−4, 4]²: 8 occupied (found from the target
  // itself), 8 empty.
  Eigen::VectorXd truth;
  Points centres(2, 16);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i) centres.col(j * 4 + i) << -3.0f + 2 * i, -3.0f + 2 * j;
  makeBuiltinTarget("checkerboard")->logDensity(centres, truth);
  board.evaluate(centres, logq, score);
  int occupied = 0;
  for (Eigen::Index k = 0; k < 16; ++k) {
    if (std::isfinite(truth(k))) {
      ++occupied;
      CHECK(logq(k) == doctest::Approx(-std::log(32.0)).epsilon(1e-3));
    } else {
      CHECK(logq(k) < -std::log(32.0) - 3.0);
    }
    CHECK(score.col(k).allFinite());
  }
  CHECK(occupied == 8);
  // The blurred target is a density: its mass on a box around the board is ≈ 1.
  const int n = 200;
  Points grid(2, n * n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i)
      grid.col(j * n + i) << -6.0f + 12.0f * (i + 0.5f) / n, -6.0f + 12.0f * (j + 0.5f) / n;
  board.evaluate(grid, logq, score);
  CHECK(logq.array().exp().sum() * (12.0 / n) * (12.0 / n) == doctest::Approx(1.0).epsilon(0.01));
  CHECK(score.allFinite());

  // An image target (one bright cell at the top right of a 4×4 image over [0, 4]²) is blurred
  // too; far below-left of it, the score points up and to the right.
  std::vector<float> weights(16, 0.0f);
  weights[15] = 1.0f;  // row 3 is the top row: cell [3, 4) × [3, 4)
  TargetScore image(std::make_shared<ImageTarget>(4, 4, weights, Box{0.0, 0.0, 4.0, 4.0}, "dot"));
  CHECK(image.kind() == TargetScore::Kind::Blurred);
  Points q(2, 2);
  q << 3.5f, 0.5f, 3.5f, 0.5f;
  image.evaluate(q, logq, score);
  CHECK(logq(0) == doctest::Approx(0.0).epsilon(0.02));  // density 1 on a unit cell
  CHECK(score(0, 1) > 0.0f);
  CHECK(score(1, 1) > 0.0f);
}

TEST_CASE("CNF objective: quick training on 8gaussians lowers the held-out NLL") {
  TrainerConfig config;
  config.method = Method::Cnf;
  config.mlp = smallConfig(32, 2, Activation::Tanh);
  config.batch = 128;
  config.cnf.solver = SolverConfig::rk4(4);
  config.adam.learningRate = 5e-3;
  auto target = makeBuiltinTarget("8gaussians");
  REQUIRE(target);
  auto objective = makeCnfObjective(config, target);
  const Mlp mlp(config.mlp);
  ParamVec theta(mlp.paramCount()), grad(mlp.paramCount());
  Rng rng(1);
  mlp.initParams(theta, rng);
  Adam adam(theta.size(), config.adam);

  Points held(2, 2000);
  Rng heldRng(99);
  target->sample(held, heldRng);
  const auto nll = [&] {
    FlowEvaluator ev(config, theta);
    PointRow logp;
    ev.logDensity(held, SolverConfig::rk4(32), logp);
    return -logp.cast<double>().mean();
  };
  const double before = nll();
  for (int step = 0; step < 400; ++step) {
    const double loss = objective->lossAndGradient(theta, grad, rng);
    REQUIRE(std::isfinite(loss));
    adam.step(theta, grad);
  }
  CHECK(objective->stats().nfeForward == 16);
  CHECK(objective->stats().nfeBackward == 16);
  const double after = nll();
  CAPTURE(before);
  CAPTURE(after);
  CHECK(after < before - 1.5);
  CHECK(after < 3.2);  // H = 2.836
}

TEST_CASE("reverse KL recovers a Gaussian target") {
  const Eigen::Vector2d mu(1.0, -0.5);
  Eigen::Matrix2d cov;
  cov << 0.5, 0.2, 0.2, 0.3;
  auto target = std::make_shared<GaussianTarget>(mu, cov);
  TrainerConfig config;
  config.method = Method::ReverseKl;
  config.mlp = smallConfig(32, 2, Activation::Tanh);
  config.batch = 256;
  config.cnf.solver = SolverConfig::rk4(4);
  config.adam.learningRate = 5e-3;
  auto objective = makeReverseKlObjective(config, target);
  const Mlp mlp(config.mlp);
  ParamVec theta(mlp.paramCount()), grad(mlp.paramCount());
  Rng rng(2);
  mlp.initParams(theta, rng);
  Adam adam(theta.size(), config.adam);
  double loss = 0.0;
  for (int step = 0; step < 400; ++step) {
    loss = objective->lossAndGradient(theta, grad, rng);
    REQUIRE(std::isfinite(loss));
    adam.step(theta, grad);
  }
  CHECK(loss < 0.05);  // KL(p_θ ‖ q) ≥ 0, one batch estimate
  Points x(2, 8000);
  Rng srng(3);
  srng.fillNormal(x);
  FlowEvaluator ev(config, theta);
  ev.sample(x, SolverConfig::rk4(16));
  const Eigen::Vector2d mean = x.cast<double>().rowwise().mean();
  const Eigen::Matrix2Xd c = x.cast<double>().colwise() - mean;
  const Eigen::Matrix2d sampleCov = c * c.transpose() / static_cast<double>(x.cols() - 1);
  CAPTURE(mean.transpose());
  CAPTURE(sampleCov);
  CHECK((mean - mu).norm() < 0.06);
  CHECK((sampleCov - cov).cwiseAbs().maxCoeff() < 0.05);
}
