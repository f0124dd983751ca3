// The dual lower bound on W2²(N(0, I), target) (see ot_lower_bound.hpp).
#include "core/eval/ot_lower_bound.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "core/objectives/ot.hpp"

namespace flowlab::core {
namespace {

// λ candidates (dimensionless: f's λ|x|²/2 has the units of ⟨x, y⟩).
constexpr std::array<double, 12> kLambdas = {0.003, 0.005, 0.01, 0.02, 0.03, 0.05,
                                             0.07,  0.1,   0.15, 0.2,  0.3,  0.5};

// The anchors' part of the potentials: y_j and b_j.
struct Anchors {
  Eigen::ArrayXd yx, yy, b;
};

Anchors solveAnchors(const Target& target, long m, Rng& rng) {
  Points x(2, m), y(2, m);
  rng.fillNormal(x);
  target.sample(y, rng);
  AssignmentSolver solver;
  std::vector<int> toX;
  solver.solveSquaredDistances(y, x, toX);
  const std::vector<double>& p = solver.rowPotentials();
  Anchors a{y.row(0).cast<double>().transpose(), y.row(1).cast<double>().transpose(),
            Eigen::ArrayXd(m)};
  for (long j = 0; j < m; ++j)
    a.b(j) = 0.5 * (a.yx(j) * a.yx(j) + a.yy(j) * a.yy(j) - p[std::size_t(j)]);
  return a;
}

// f₀(x) = max_j ⟨x, y_j⟩ − b_j.
double convexPart(const Anchors& a, double x0, double x1) {
  return (x0 * a.yx + x1 * a.yy - a.b).maxCoeff();
}

// min_j b_j + |y − y_j|²/(2λ), for each λ of `lambdas` at once.
template <std::size_t K>
std::array<double, K> conjugateBounds(const Anchors& a, double y0, double y1,
                                      const std::array<double, K>& lambdas) {
  const Eigen::ArrayXd d2 = (a.yx - y0).square() + (a.yy - y1).square();
  std::array<double, K> out;
  for (std::size_t k = 0; k < K; ++k) out[k] = (a.b + d2 / (2.0 * lambdas[k])).minCoeff();
  return out;
}

// Per pair k of fresh points, the bound's integrand |X|² + |Y|² − 2 (f(X) + g(Y)) for each λ.
template <std::size_t K>
std::vector<std::array<double, K>> integrands(const Target& target, const Anchors& a, long n,
                                              const std::array<double, K>& lambdas, Rng& rng) {
  Points x(2, n), y(2, n);
  rng.fillNormal(x);
  target.sample(y, rng);
  std::vector<std::array<double, K>> out(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    const double x0 = x(0, i), x1 = x(1, i), y0 = y(0, i), y1 = y(1, i);
    const double xx = x0 * x0 + x1 * x1, yy = y0 * y0 + y1 * y1;
    const double f0 = convexPart(a, x0, x1);
    const std::array<double, K> g = conjugateBounds(a, y0, y1, lambdas);
    for (std::size_t k = 0; k < K; ++k)
      out[std::size_t(i)][k] = xx + yy - 2.0 * (f0 + 0.5 * lambdas[k] * xx + g[k]);
  }
  return out;
}

}  // namespace

OtLowerBound otLowerBound(const Target& target, long anchors, long testPoints, Rng rng) {
  if (anchors < 2 || testPoints < 2)
    throw std::invalid_argument("OT lower bound: needs at least 2 anchors and 2 test points");
  const Anchors a = solveAnchors(target, anchors, rng);

  const auto validation = integrands(target, a, std::max(2L, testPoints / 4), kLambdas, rng);
  std::size_t best = 0;
  double bestMean = -std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < kLambdas.size(); ++k) {
    double sum = 0.0;
    for (const auto& row : validation) sum += row[k];
    const double mean = sum / double(validation.size());
    if (mean > bestMean) {
      bestMean = mean;
      best = k;
    }
  }

  const std::array<double, 1> lambda = {kLambdas[best]};
  const auto test = integrands(target, a, testPoints, lambda, rng);
  const double n = double(testPoints);
  double mean = 0.0, squares = 0.0;
  for (const auto& row : test) mean += row[0] / n;
  for (const auto& row : test) squares += (row[0] - mean) * (row[0] - mean);
  const double variance = squares / (n - 1.0);
  return {mean, std::sqrt(variance / n), lambda[0], anchors, testPoints};
}

}  // namespace flowlab::core
