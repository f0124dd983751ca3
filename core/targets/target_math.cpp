// target_math.cpp: Bessel I0, normal tails and Gauss–Legendre rules for the target densities.
#include "core/targets/target_math.hpp"

#include <algorithm>
#include <stdexcept>

namespace flowlab::core::detail {

double logBesselI0Scaled(double z) {
  z = std::abs(z);
  if (z < 15.0) {
    // I0(z) = Σ_k (z²/4)^k / (k!)²: all terms positive, so no cancellation; below z = 15 the
    // terms have fallen under 1e-17 of the sum by k ≈ 45.
    const double q = 0.25 * z * z;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 200; ++k) {
      term *= q / (static_cast<double>(k) * k);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return std::log(sum) - z;
  }
  // Hankel's asymptotic expansion (A&S 9.7.1): I0(z) ~ e^z / √(2πz) · Σ_k a_k / z^k with
  // a_k = ((2k−1)!!)² / (k! 8^k). The terms shrink until k ≈ 2z, so at z ≥ 15 truncating at
  // 1e-17 leaves an error far below double rounding.
  double term = 1.0, sum = 1.0;
  for (int k = 0; k < 60; ++k) {
    const double ratio = (2.0 * k + 1.0) * (2.0 * k + 1.0) / (8.0 * (k + 1.0) * z);
    if (ratio >= 1.0) break;
    term *= ratio;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return std::log(sum) - 0.5 * std::log(2.0 * kPi * z);
}

double logNormalTail(double z) {
  constexpr double kInvSqrt2 = 0.70710678118654752440;
  if (z < -1.0) return std::log1p(-0.5 * std::erfc(-z * kInvSqrt2));
  if (z < 30.0) return std::log(0.5 * std::erfc(z * kInvSqrt2));
  // Mills-ratio expansion Q(z) = φ(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ …), where erfc
  // would underflow; at z ≥ 30 the next term is below 1e-13.
  const double r = 1.0 / (z * z);
  const double series = 1.0 - r * (1.0 - r * (3.0 - r * (15.0 - r * 105.0)));
  return -0.5 * z * z - std::log(z) - 0.5 * std::log(2.0 * kPi) + std::log(series);
}

double logNormalInterval(double lo, double hi) {
  if (!(hi > lo)) return kNegInf;
  // Φ(hi) − Φ(lo) is a difference of two tail probabilities on the same side when the interval
  // misses 0: take it from the smaller tails, whose logs are accurate, as Q(a)(1 − Q(b)/Q(a)).
  if (lo >= 0.0) {
    const double a = logNormalTail(lo), b = logNormalTail(hi);
    return a + std::log1p(-std::exp(b - a));
  }
  if (hi <= 0.0) {
    const double a = logNormalTail(-hi), b = logNormalTail(-lo);
    return a + std::log1p(-std::exp(b - a));
  }
  constexpr double kInvSqrt2 = 0.70710678118654752440;
  return std::log1p(-0.5 * (std::erfc(hi * kInvSqrt2) + std::erfc(-lo * kInvSqrt2)));
}

void gaussLegendre(int m, std::vector<double>& nodes, std::vector<double>& weights) {
  if (m < 1) throw std::invalid_argument("gaussLegendre: need at least one node");
  nodes.assign(m, 0.0);
  weights.assign(m, 0.0);
  // Newton on P_m from Tricomi's initial guesses; P_m and P_m' from the three-term recurrence.
  for (int i = 0; i < (m + 1) / 2; ++i) {
    double x = std::cos(kPi * (i + 0.75) / (m + 0.5));
    double dp = 1.0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0, p1 = x;
      for (int k = 2; k <= m; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = m * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-15) break;
    }
    const double w = 2.0 / ((1.0 - x * x) * dp * dp);
    nodes[m - 1 - i] = x;
    nodes[i] = -x;
    weights[i] = weights[m - 1 - i] = w;
  }
}

}  // namespace flowlab::core::detail
