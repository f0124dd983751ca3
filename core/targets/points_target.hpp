// A target given by points: the Gaussian kernel density estimate of n 2-D points with one
// isotropic bandwidth h, p(x) = (1/n) Σᵢ N(x; pᵢ, h² I) — exact for its own log density,
// sampled by picking a point uniformly and adding h·N(0, I). Immutable; any thread.
#pragma once

#include <string>

#include "core/targets/targets.hpp"

namespace flowlab::core {

// Scott's rule for d = 2 with one bandwidth for both axes: h = n^(−1/6) · σ, σ² the mean of the
// two coordinates' sample variances (Scott 1992). Needs at least two points not all equal.
double scottBandwidth(const Points& points);

class PointsTarget final : public Target {
 public:
  // Throws std::invalid_argument for no points, a non-finite point, or h ≤ 0 / not finite.
  PointsTarget(Points points, double bandwidth, std::string name);

  std::string name() const override { return name_; }
  void sample(Points& out, Rng& rng) const override;
  // O(n) per point: a log-sum-exp over every kernel.
  void logDensity(const Points& x, Eigen::VectorXd& out) const override;
  Box bounds() const override { return bounds_; }
  const Points& points() const { return points_; }
  double bandwidth() const { return h_; }

 private:
  Points points_;
  double h_;
  std::string name_;
  Box bounds_;
};

}  // namespace flowlab::core
