// Special functions and quadrature rules behind the built-in targets' log densities (double).
//
// Private to core/targets*.cpp and their tests; pure functions, safe from any thread.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

namespace flowlab::core::detail {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNegInf = -kInf;

// log I0(z) − z for z ≥ 0 (exponentially scaled modified Bessel function of the first kind,
// order 0). Power series below z = 15, asymptotic expansion above; relative error < 1e-13.
double logBesselI0Scaled(double z);

// log Q(z) = log P(N > z) for a standard normal N; finite for every finite z.
double logNormalTail(double z);

// log(Φ(hi) − Φ(lo)) for lo < hi (standard normal CDF Φ), without cancellation in either tail.
double logNormalInterval(double lo, double hi);

// m-point Gauss–Legendre rule on [−1, 1]: nodes ascending, weights summing to 2.
void gaussLegendre(int m, std::vector<double>& nodes, std::vector<double>& weights);

// Running log Σ exp(v_i) without overflow: add() terms one by one, value() at the end.
class LogSumExp {
 public:
  void add(double v) {
    if (v == kNegInf) return;
    if (v <= max_) {
      sum_ += std::exp(v - max_);
    } else {
      sum_ = sum_ * std::exp(max_ - v) + 1.0;
      max_ = v;
    }
  }
  double max() const { return max_; }
  double value() const { return max_ == kNegInf ? kNegInf : max_ + std::log(sum_); }

 private:
  double max_ = kNegInf;
  double sum_ = 0.0;
};

}  // namespace flowlab::core::detail
