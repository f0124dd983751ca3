// The kernel density estimate of a point set (see points_target.hpp).
#include "core/targets/points_target.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/targets/target_math.hpp"

namespace flowlab::core {

double scottBandwidth(const Points& p) {
  const Eigen::Index n = p.cols();
  if (n < 2) throw std::invalid_argument("a bandwidth by Scott's rule needs two points or more");
  const Eigen::Vector2d mean = p.cast<double>().rowwise().mean();
  const double var = (p.cast<double>().colwise() - mean).array().square().sum() /
                     (2.0 * static_cast<double>(n - 1));
  if (!(var > 0.0)) throw std::invalid_argument("the points are all equal: give --bandwidth");
  return std::pow(static_cast<double>(n), -1.0 / 6.0) * std::sqrt(var);
}

PointsTarget::PointsTarget(Points points, double bandwidth, std::string name)
    : points_(std::move(points)), h_(bandwidth), name_(std::move(name)) {
  if (points_.cols() == 0) throw std::invalid_argument("a points target needs points");
  if (!points_.allFinite()) throw std::invalid_argument("a points target's points must be finite");
  if (!(h_ > 0.0) || !std::isfinite(h_))
    throw std::invalid_argument("the bandwidth must be a positive number");
  const float pad = static_cast<float>(3.0 * h_);
  bounds_ = {points_.row(0).minCoeff() - pad, points_.row(1).minCoeff() - pad,
             points_.row(0).maxCoeff() + pad, points_.row(1).maxCoeff() + pad};
}

void PointsTarget::sample(Points& out, Rng& rng) const {
  const Eigen::Index n = points_.cols();
  rng.fillNormal(out);
  for (Eigen::Index i = 0; i < out.cols(); ++i) {
    const Eigen::Index k =
        std::min(n - 1, static_cast<Eigen::Index>(rng.uniform() * static_cast<double>(n)));
    out.col(i) = points_.col(k) + static_cast<float>(h_) * out.col(i);
  }
}

void PointsTarget::logDensity(const Points& x, Eigen::VectorXd& out) const {
  out.resize(x.cols());
  const double inv = 1.0 / (2.0 * h_ * h_);
  const double norm =
      -std::log(static_cast<double>(points_.cols())) - std::log(2.0 * detail::kPi * h_ * h_);
  for (Eigen::Index i = 0; i < x.cols(); ++i) {
    detail::LogSumExp sum;
    const double px = x(0, i), py = x(1, i);
    for (Eigen::Index k = 0; k < points_.cols(); ++k) {
      const double dx = px - points_(0, k), dy = py - points_(1, k);
      sum.add(-(dx * dx + dy * dy) * inv);
    }
    out(i) = sum.value() + norm;
  }
}

}  // namespace flowlab::core
