// Tests of the dual lower bound on W2²(N(0, I), target): against the closed form for Gaussian
// targets (tight, and never above it beyond its standard error), under the two-sample estimate
// that is biased up, under any coupling's cost, and its argument checks.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "core/eval/metrics.hpp"
#include "core/eval/ot_lower_bound.hpp"

using namespace flowlab::core;

namespace {

// N(mean, s² I): W2²(N(0, I), N(m, s² I)) = |m|² + 2 (1 − s)² (Gaussians, Dowson–Landau 1982).
class GaussianTarget final : public Target {
 public:
  GaussianTarget(double mx, double my, double s) : mx_(mx), my_(my), s_(s) {}
  std::string name() const override { return "gaussian"; }
  void sample(Points& out, Rng& rng) const override {
    rng.fillNormal(out);
    for (Eigen::Index i = 0; i < out.cols(); ++i) {
      out(0, i) = float(mx_ + s_ * out(0, i));
      out(1, i) = float(my_ + s_ * out(1, i));
    }
  }
  void logDensity(const Points&, Eigen::VectorXd&) const override {}
  Box bounds() const override { return {-10, -10, 10, 10}; }
  double w2Squared() const { return mx_ * mx_ + my_ * my_ + 2.0 * (1.0 - s_) * (1.0 - s_); }

 private:
  double mx_, my_, s_;
};

}  // namespace

TEST_CASE("OT lower bound: a little under the closed form for Gaussians") {
  for (const GaussianTarget& t : {GaussianTarget(1.0, -2.0, 0.5), GaussianTarget(0.0, 0.0, 2.0),
                                  GaussianTarget(3.0, 0.0, 1.0)}) {
    const OtLowerBound b = otLowerBound(t, 1000, 40000, Rng(3));
    CAPTURE(t.w2Squared());
    CAPTURE(b.value);
    CAPTURE(b.standardError);
    CHECK(b.standardError > 0.0);
    CHECK(b.standardError < 0.05);
    CHECK(b.value <= t.w2Squared() + 4.0 * b.standardError);
    CHECK(b.value >= t.w2Squared() - 0.25);
    CHECK(b.lambda > 0.0);
    CHECK(b.anchors == 1000);
    CHECK(b.testPoints == 40000);
  }
}

TEST_CASE("OT lower bound: under the two-sample W2² and any coupling's cost, seeded") {
  const auto target = makeBuiltinTarget("8gaussians");
  const OtLowerBound b = otLowerBound(*target, 500, 20000, Rng(7));
  const OtLowerBound again = otLowerBound(*target, 500, 20000, Rng(7));
  CHECK(again.value == b.value);
  CHECK(again.standardError == b.standardError);
  // The two-sample W2² at n = 500 is biased up by about 0.1 on this target.
  Rng rng(8);
  Points x(2, 500), y(2, 500);
  rng.fillNormal(x);
  target->sample(y, rng);
  const double twoSample = std::pow(w2Exact(x, y), 2);
  CAPTURE(twoSample);
  CAPTURE(b.value);
  CHECK(b.value < twoSample);
  // The independent coupling costs E|X|² + E|Y|² = 2 + E|Y|² (E X = 0), far above the bound.
  Points many(2, 50000);
  target->sample(many, rng);
  const double independent = 2.0 + many.colwise().squaredNorm().cast<double>().mean();
  CHECK(b.value < independent - 1.0);
  CHECK(b.value > 2.4);  // the true value is ≈ 2.6 (POT, n = 4000: 2.67, biased up)
}

TEST_CASE("OT lower bound: argument checks") {
  const GaussianTarget t(0.0, 0.0, 1.0);
  CHECK_THROWS_AS(otLowerBound(t, 1, 100, Rng(1)), std::invalid_argument);
  CHECK_THROWS_AS(otLowerBound(t, 100, 1, Rng(1)), std::invalid_argument);
}
