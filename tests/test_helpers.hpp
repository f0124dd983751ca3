// Test-only targets with closed forms, shared by the core test suites.
#pragma once

#include <cmath>
#include <numbers>

#include "core/targets/targets.hpp"

namespace flowlab::test {

// N(mean, s²·I) in 2-D.
class GaussianTarget final : public core::Target {
 public:
  GaussianTarget(double mx, double my, double s) : mx_(mx), my_(my), s_(s) {}
  std::string name() const override { return "gaussian"; }
  void sample(core::Points& out, core::Rng& rng) const override {
    for (Eigen::Index i = 0; i < out.cols(); ++i) {
      out(0, i) = static_cast<float>(mx_ + s_ * rng.normal());
      out(1, i) = static_cast<float>(my_ + s_ * rng.normal());
    }
  }
  void logDensity(const core::Points& x, Eigen::VectorXd& out) const override {
    out.resize(x.cols());
    for (Eigen::Index i = 0; i < x.cols(); ++i) {
      const double dx = x(0, i) - mx_, dy = x(1, i) - my_;
      out(i) = -(dx * dx + dy * dy) / (2 * s_ * s_) - std::log(2 * std::numbers::pi * s_ * s_);
    }
  }
  core::Box bounds() const override {
    return {mx_ - 6 * s_, my_ - 6 * s_, mx_ + 6 * s_, my_ + 6 * s_};
  }

 private:
  double mx_, my_, s_;
};

}  // namespace flowlab::test
