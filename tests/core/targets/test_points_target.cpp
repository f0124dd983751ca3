// The kernel density estimate of a point set: Scott's bandwidth in closed form, a normalised
// log density that matches the mixture written out, samples with the mixture's moments.
#include <doctest/doctest.h>

#include <cmath>

#include "core/targets/points_target.hpp"

using namespace flowlab::core;

TEST_CASE("Scott's bandwidth: n^(-1/6) times the mean of the two coordinates' variances, rooted") {
  Points p(2, 4);
  p << 0, 2, 0, 2,  //
      0, 0, 4, 4;
  // var x = 4/3, var y = 16/3 (n − 1 = 3): σ² = 10/3.
  CHECK(scottBandwidth(p) == doctest::Approx(std::pow(4.0, -1.0 / 6.0) * std::sqrt(10.0 / 3.0)));
  Points same = Points::Ones(2, 5);
  CHECK_THROWS_WITH_AS(scottBandwidth(same), doctest::Contains("--bandwidth"),
                       std::invalid_argument);
  CHECK_THROWS_AS(scottBandwidth(Points::Zero(2, 1)), std::invalid_argument);
}

TEST_CASE("points target: the log density is the Gaussian mixture's, normalised on a grid") {
  Points p(2, 3);
  p << -1.0f, 0.5f, 2.0f,  //
      0.0f, 1.0f, -0.5f;
  const double h = 0.4;
  const PointsTarget t(p, h, "three");
  Points x(2, 2);
  x << 0.3f, -2.0f,  //
      0.2f, 1.5f;
  Eigen::VectorXd logp;
  t.logDensity(x, logp);
  for (int i = 0; i < 2; ++i) {
    double sum = 0.0;
    for (int k = 0; k < 3; ++k) {
      const double dx = double(x(0, i)) - p(0, k), dy = double(x(1, i)) - p(1, k);
      sum += std::exp(-(dx * dx + dy * dy) / (2 * h * h)) / (2 * M_PI * h * h);
    }
    CHECK(logp(i) == doctest::Approx(std::log(sum / 3.0)).epsilon(1e-9));
  }
  // Mass 1 over its bounds (a 3h margin), by the midpoint rule.
  const Box b = t.bounds();
  const int n = 300;
  Points grid(2, n * n);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      grid(0, j * n + i) = static_cast<float>(b.x0 + (i + 0.5) * b.width() / n);
      grid(1, j * n + i) = static_cast<float>(b.y0 + (j + 0.5) * b.height() / n);
    }
  t.logDensity(grid, logp);
  const double mass = logp.array().exp().sum() * b.width() * b.height() / (n * n);
  CHECK(mass == doctest::Approx(1.0).epsilon(0.01));  // the 3h margin holds all but ~1%
}

TEST_CASE("points target: samples have the mixture's mean and covariance") {
  Points p(2, 2);
  p << -2.0f, 2.0f,  //
      0.0f, 1.0f;
  const double h = 0.3;
  const PointsTarget t(p, h, "two");
  Points s(2, 200000);
  Rng rng(7);
  t.sample(s, rng);
  const Eigen::Vector2d mean = s.cast<double>().rowwise().mean();
  CHECK(mean(0) == doctest::Approx(0.0).epsilon(0.02));
  CHECK(mean(1) == doctest::Approx(0.5).epsilon(0.01));
  const Eigen::MatrixXd c = s.cast<double>().colwise() - mean;
  // Var x = 4 + h², var y = 0.25 + h², cov = (−2·−0.5 + 2·0.5)/2 = 1.
  CHECK((c.row(0).squaredNorm() / s.cols()) == doctest::Approx(4.0 + h * h).epsilon(0.01));
  CHECK((c.row(1).squaredNorm() / s.cols()) == doctest::Approx(0.25 + h * h).epsilon(0.02));
  CHECK((c.row(0).dot(c.row(1)) / s.cols()) == doctest::Approx(1.0).epsilon(0.02));
  CHECK_THROWS_AS(PointsTarget(p, 0.0, "zero"), std::invalid_argument);
  CHECK_THROWS_AS(PointsTarget(Points(2, 0), 1.0, "none"), std::invalid_argument);
}
