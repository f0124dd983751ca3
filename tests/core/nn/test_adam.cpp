// test_adam.cpp: Adam's bias correction, decoupled weight decay, clipping and convergence.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "core/nn/adam.hpp"

namespace {

using flowlab::core::Adam;
using flowlab::core::AdamConfig;
using flowlab::core::ParamVec;

AdamConfig withLr(double lr) {
  AdamConfig c;
  c.learningRate = lr;
  return c;
}

}  // namespace

TEST_CASE("Adam minimises an ill-conditioned quadratic") {
  // f(θ) = ½ Σ a_i (θ_i − c_i)², curvatures spanning 100×.
  const int n = 50;
  ParamVec a(n), c(n), theta = ParamVec::Zero(n), grad(n);
  for (int i = 0; i < n; ++i) {
    a(i) = 0.05f + 5.0f * static_cast<float>(i) / (n - 1);
    c(i) = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  }
  Adam adam(n, withLr(0.05));
  for (int step = 0; step < 3000; ++step) {
    if (step == 2000) adam.setConfig(withLr(0.005));  // live change, moments kept
    grad = a.cwiseProduct(theta - c);
    adam.step(theta, grad);
  }
  CHECK(adam.stepCount() == 3000);
  CHECK((theta - c).cwiseAbs().maxCoeff() < 1e-2f);
  const double f = 0.5 * (a.array() * (theta - c).array().square()).cast<double>().sum();
  CHECK(f < 1e-4);
}

TEST_CASE("bias correction: a constant gradient moves every parameter by lr·sign(g) each step") {
  // Without the correction the first step would be lr·(1−β₁)/√(1−β₂) ≈ 3.16·lr.
  const double lr = 1e-2;
  ParamVec theta = ParamVec::Zero(6);
  ParamVec grad(6);
  grad << 1e-3f, -1e-3f, 1.0f, -2.0f, 1e3f, -7e2f;
  Adam adam(6, withLr(lr));
  for (int step = 1; step <= 5; ++step) {
    CAPTURE(step);
    const ParamVec before = theta;
    adam.step(theta, grad);
    const ParamVec delta = theta - before;
    for (int i = 0; i < 6; ++i) {
      CAPTURE(i);
      const double expected = -lr * (grad(i) > 0 ? 1.0 : -1.0);
      CHECK(delta(i) == doctest::Approx(expected).epsilon(1e-4));
    }
  }
  CHECK(adam.stepCount() == 5);
  adam.reset();
  CHECK(adam.stepCount() == 0);
  const ParamVec before = theta;
  adam.step(theta, grad);  // after reset the first step is lr·sign(g) again
  CHECK((theta - before).cwiseAbs().minCoeff() == doctest::Approx(lr).epsilon(1e-4));
}

TEST_CASE("decoupled weight decay shrinks parameters with zero gradient by lr·wd per step") {
  AdamConfig cfg = withLr(0.1);
  cfg.weightDecay = 0.5;
  ParamVec theta(4);
  theta << 1.0f, -2.0f, 0.25f, 0.0f;
  const ParamVec start = theta;
  const ParamVec zero = ParamVec::Zero(4);
  Adam adam(4, cfg);
  for (int step = 1; step <= 10; ++step) {
    CAPTURE(step);
    const ParamVec before = theta;
    CHECK(adam.step(theta, zero) == 0.0);
    for (int i = 0; i < 4; ++i)
      CHECK(theta(i) == doctest::Approx(before(i) * (1.0 - 0.1 * 0.5)).epsilon(1e-6));
  }
  const ParamVec expected = start * static_cast<float>(std::pow(0.95, 10));
  CHECK((theta - expected).cwiseAbs().maxCoeff() <= 1e-6f);

  // wd = 0 leaves them alone.
  Adam plain(4, withLr(0.1));
  ParamVec untouched = start;
  plain.step(untouched, zero);
  CHECK(untouched == start);
}

TEST_CASE("global-norm clipping caps the applied update and returns the pre-clip norm") {
  ParamVec g(2);
  g << 300.0f, -400.0f;  // ‖g‖ = 500

  SUBCASE("the update equals that of the gradient rescaled to maxGradNorm") {
    AdamConfig clipped = withLr(0.01);
    clipped.maxGradNorm = 1.0;
    clipped.epsilon = 1.0;  // large ε: the step grows with |g|, so clipping shows directly
    AdamConfig unclipped = clipped;
    unclipped.maxGradNorm = 0.0;

    ParamVec a = ParamVec::Zero(2), b = ParamVec::Zero(2), raw = ParamVec::Zero(2);
    Adam adamA(2, clipped), adamB(2, unclipped), adamRaw(2, unclipped);
    for (int step = 0; step < 3; ++step) {
      CHECK(adamA.step(a, g) == doctest::Approx(500.0));
      adamB.step(b, g / 500.0f);
      adamRaw.step(raw, g);
    }
    CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-7f);
    CHECK(a.norm() < 0.5f * raw.norm());  // without clipping the steps are ≈ 2.7× longer
  }

  SUBCASE("a gradient spike after warm-up moves θ no more than a normal step") {
    AdamConfig cfg = withLr(0.01);
    cfg.maxGradNorm = 5.0;
    ParamVec small(2);
    small << 3.0f, -4.0f;  // ‖·‖ = 5, never clipped
    ParamVec a = ParamVec::Zero(2), b = ParamVec::Zero(2);
    Adam withSpike(2, cfg), withoutSpike(2, cfg);
    for (int step = 0; step < 20; ++step) {
      withSpike.step(a, small);
      withoutSpike.step(b, small);
    }
    CHECK(withSpike.step(a, g) == doctest::Approx(500.0));  // 100× too large, clipped to ‖small‖
    withoutSpike.step(b, small);
    CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-6f);
  }

  SUBCASE("a gradient whose squares overflow float is measured and clipped exactly") {
    AdamConfig cfg = withLr(0.01);
    cfg.maxGradNorm = 1.0;
    cfg.epsilon = 1.0;
    AdamConfig off = cfg;
    off.maxGradNorm = 0.0;
    ParamVec huge(2), unit(2);
    huge << 3e20f, -4e20f;  // ‖·‖ = 5e20; its squares overflow float
    unit << 0.6f, -0.8f;
    ParamVec a = ParamVec::Zero(2), b = ParamVec::Zero(2);
    Adam clipped(2, cfg), reference(2, off);
    CHECK(clipped.step(a, huge) == doctest::Approx(5e20).epsilon(1e-6));
    reference.step(b, unit);
    REQUIRE(a.allFinite());
    CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-7f);
  }

  SUBCASE("below the threshold nothing changes") {
    AdamConfig cfg = withLr(0.01);
    cfg.maxGradNorm = 1000.0;
    AdamConfig off = cfg;
    off.maxGradNorm = 0.0;
    ParamVec a = ParamVec::Zero(2), b = ParamVec::Zero(2);
    Adam adamA(2, cfg), adamB(2, off);
    CHECK(adamA.step(a, g) == doctest::Approx(500.0));
    CHECK(adamB.step(b, g) == doctest::Approx(500.0));
    CHECK(a == b);
  }
}

TEST_CASE("Adam handles sizes across slices and rejects mismatches") {
  // Larger than one internal slice: every element must be updated identically.
  const Eigen::Index n = 5000;
  ParamVec theta = ParamVec::Zero(n), grad = ParamVec::Constant(n, -2.0f);
  Adam adam(n, withLr(0.001));
  adam.step(theta, grad);
  CHECK(theta.minCoeff() == doctest::Approx(0.001).epsilon(1e-4));
  CHECK(theta.maxCoeff() == doctest::Approx(0.001).epsilon(1e-4));

  ParamVec shortVec = ParamVec::Zero(n - 1);
  CHECK_THROWS_AS(adam.step(shortVec, shortVec), std::invalid_argument);
  CHECK_THROWS_AS(adam.step(theta, shortVec), std::invalid_argument);
  CHECK(adam.stepCount() == 1);
}

TEST_CASE("a gradient with a NaN or an infinity changes nothing and is reported as non-finite") {
  Adam adam(5000, withLr(0.01));  // more than one update slice
  ParamVec theta = ParamVec::LinSpaced(5000, -1.0f, 1.0f), grad = ParamVec::Ones(5000);
  adam.step(theta, grad);
  const ParamVec before = theta;
  for (float bad : {std::nanf(""), INFINITY, -INFINITY}) {
    CAPTURE(bad);
    ParamVec g = grad;
    g(4321) = bad;
    CHECK_FALSE(std::isfinite(adam.step(theta, g)));
    CHECK(adam.stepCount() == 1);
    CHECK((theta.array() == before.array()).all());
  }
  // The moments were not touched either: the next good step is the one a fresh history gives.
  Adam fresh(5000, withLr(0.01));
  ParamVec other = ParamVec::LinSpaced(5000, -1.0f, 1.0f);
  fresh.step(other, grad);
  fresh.step(other, grad);
  adam.step(theta, grad);
  CHECK((theta - other).cwiseAbs().maxCoeff() == 0.0f);
}
