// Tests of the flow metrics: exact W2 against brute force and closed forms, path metrics on
// fields with closed-form paths, mean NLL.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/eval/metrics.hpp"

using namespace flowlab::core;

namespace {

Points gaussianPoints(int n, std::mt19937& rng) {
  std::normal_distribution<float> g;
  Points p(2, n);
  for (int i = 0; i < n; ++i) {
    p(0, i) = g(rng);
    p(1, i) = g(rng);
  }
  return p;
}

double bruteW2(const Points& a, const Points& b) {
  const auto n = static_cast<int>(a.cols());
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0.0;
    for (int i = 0; i < n; ++i)
      s += (a.col(i).cast<double>() - b.col(p[static_cast<std::size_t>(i)]).cast<double>())
               .squaredNorm();
    best = std::min(best, s);
  } while (std::next_permutation(p.begin(), p.end()));
  return std::sqrt(best / n);
}

double meanSquaredNorm(const Points& x) { return x.cast<double>().colwise().squaredNorm().mean(); }

constexpr Solver kAll[] = {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4,
                           Solver::Dopri5};

}  // namespace

TEST_CASE("w2Exact equals brute force on tiny sets") {
  std::mt19937 rng(21);
  for (int n = 1; n <= 6; ++n) {
    for (int trial = 0; trial < 20; ++trial) {
      const Points a = gaussianPoints(n, rng);
      const Points b = gaussianPoints(n, rng);
      CHECK(w2Exact(a, b) == doctest::Approx(bruteW2(a, b)).epsilon(1e-12));
    }
  }
}

TEST_CASE("w2Exact: translation, permutation, symmetry") {
  std::mt19937 rng(22);
  const Points a = gaussianPoints(300, rng);
  // W2(a, a + c) = ‖c‖: the cross term Σ⟨a_i − a_σ(i), c⟩ vanishes for every σ.
  const Eigen::Vector2f c(0.7f, -1.2f);
  const Points shifted = a.colwise() + c;
  CHECK(w2Exact(a, shifted) == doctest::Approx(c.cast<double>().norm()).epsilon(1e-5));

  std::vector<int> order(300);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  Points permuted(2, 300);
  for (int i = 0; i < 300; ++i) permuted.col(i) = a.col(order[static_cast<std::size_t>(i)]);
  CHECK(w2Exact(a, permuted) == 0.0);

  const Points b = gaussianPoints(300, rng);
  CHECK(w2Exact(a, b) == doctest::Approx(w2Exact(b, a)).epsilon(1e-12));
  CHECK(w2Exact(a, b) > 0.0);
}

TEST_CASE("w2Exact on a line is the sorted matching") {
  // In 1-D the monotone (sorted) coupling is optimal.
  std::mt19937 rng(23);
  std::normal_distribution<float> g;
  const int n = 400;
  Points a = Points::Zero(2, n), b = Points::Zero(2, n);
  std::vector<double> xa(n), xb(n);
  for (int i = 0; i < n; ++i) {
    a(0, i) = g(rng);
    b(0, i) = 2.0f * g(rng) + 1.0f;
    xa[static_cast<std::size_t>(i)] = a(0, i);
    xb[static_cast<std::size_t>(i)] = b(0, i);
  }
  std::sort(xa.begin(), xa.end());
  std::sort(xb.begin(), xb.end());
  double s = 0.0;
  for (std::size_t i = 0; i < xa.size(); ++i) s += (xa[i] - xb[i]) * (xa[i] - xb[i]);
  CHECK(w2Exact(a, b) == doctest::Approx(std::sqrt(s / n)).epsilon(1e-12));
}

TEST_CASE("w2Exact rejects unequal or empty samples") {
  CHECK_THROWS_AS(w2Exact(Points::Zero(2, 3), Points::Zero(2, 4)), std::invalid_argument);
  CHECK_THROWS_AS(w2Exact(Points(2, 0), Points(2, 0)), std::invalid_argument);
}

TEST_CASE("pathMetrics of a constant field: straight paths") {
  std::mt19937 rng(24);
  const Points x0 = gaussianPoints(50, rng);
  const Eigen::Vector2f c(1.5f, -0.5f);
  const VelocityFn field = [c](const Points& x, double, Points& v) {
    v = c.replicate(1, x.cols());
  };
  for (Solver s : kAll) {
    CAPTURE(solverName(s));
    Points x1;
    const PathMetrics m = pathMetrics(field, x0, SolverConfig::fixed(s, 10), &x1);
    CHECK(std::abs(m.straightness) < 1e-10);
    CHECK(m.transportCost == doctest::Approx(2.5).epsilon(1e-6));
    CHECK(m.pathEnergy == doctest::Approx(2.5).epsilon(1e-6));
    CHECK((x1 - (x0.colwise() + c)).cwiseAbs().maxCoeff() < 1e-5f);
    if (!isAdaptive(s)) CHECK(m.nfe == 10L * stagesPerStep(s) + 11);
    // x1 may alias x0.
    Points x = x0;
    const PathMetrics aliased = pathMetrics(field, x, SolverConfig::fixed(s, 10), &x);
    CHECK(x == x1);
    CHECK(aliased.transportCost == m.transportCost);
  }
}

TEST_CASE("pathMetrics of a rotating, decaying linear field matches the closed forms") {
  // v = A x with A = [[−α, −ω], [ω, −α]]: x_t = e^{−αt} R(ωt) x0, so per point (times ‖x0‖²)
  //   energy    = (α² + ω²)(1 − e^{−2α}) / (2α)
  //   transport = 1 − 2e^{−α} cos ω + e^{−2α}
  //   S         = energy − transport   (∫ v dt = x1 − x0 along each path).
  const double alpha = 0.3, omega = 2.0;
  Eigen::Matrix2f a;
  a << static_cast<float>(-alpha), static_cast<float>(-omega), static_cast<float>(omega),
      static_cast<float>(-alpha);
  long calls = 0;
  const VelocityFn field = [a, &calls](const Points& x, double, Points& v) {
    ++calls;
    v.noalias() = a * x;
  };
  std::mt19937 rng(25);
  const Points x0 = gaussianPoints(200, rng);
  const double r2 = meanSquaredNorm(x0);
  const double energy =
      (alpha * alpha + omega * omega) * (1.0 - std::exp(-2.0 * alpha)) / (2.0 * alpha) * r2;
  const double transport =
      (1.0 - 2.0 * std::exp(-alpha) * std::cos(omega) + std::exp(-2.0 * alpha)) * r2;
  for (Solver s : {Solver::RK4, Solver::Dopri5}) {
    CAPTURE(solverName(s));
    calls = 0;
    const PathMetrics m = pathMetrics(field, x0, SolverConfig{s, 200, 1e-7, 1e-7});
    CHECK(m.nfe == calls);
    CHECK(m.transportCost == doctest::Approx(transport).epsilon(1e-5));
    CHECK(m.pathEnergy == doctest::Approx(energy).epsilon(1e-4));
    CHECK(m.straightness == doctest::Approx(energy - transport).epsilon(1e-4));
    CHECK(m.straightness > 0.1);
    CHECK(m.pathEnergy >= m.transportCost);
  }
  // The trapezoid rule converges at second order in the grid spacing.
  const PathMetrics coarse = pathMetrics(field, x0, SolverConfig::rk4(20));
  const PathMetrics fine = pathMetrics(field, x0, SolverConfig::rk4(40));
  const double e1 = std::abs(coarse.straightness - (energy - transport));
  const double e2 = std::abs(fine.straightness - (energy - transport));
  CHECK(std::log2(e1 / e2) == doctest::Approx(2.0).epsilon(0.15));
}

TEST_CASE("pathMetrics rejects bad input") {
  const VelocityFn zero = [](const Points& x, double, Points& v) { v.setZero(2, x.cols()); };
  CHECK_THROWS_AS(pathMetrics(zero, Points::Zero(2, 3), SolverConfig::rk4(0)),
                  std::invalid_argument);
  CHECK_THROWS_AS(pathMetrics(zero, Points(2, 0), SolverConfig::rk4(4)), std::invalid_argument);
}

TEST_CASE("meanNll accumulates in double") {
  PointRow l(3);
  l << -1.0f, -2.0f, 0.5f;
  CHECK(meanNll(l) == doctest::Approx(2.5 / 3.0).epsilon(1e-12));
  // Any float accumulation of 4M copies of 0.1f is off by far more than 1e-12 relative.
  const PointRow many = PointRow::Constant(1 << 22, 0.1f);
  CHECK(meanNll(many) == doctest::Approx(-static_cast<double>(0.1f)).epsilon(1e-12));
  CHECK_THROWS_AS(meanNll(PointRow(0)), std::invalid_argument);
}
