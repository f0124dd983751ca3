// Tests for the RealNVP coupling flow: invertibility, exact log-determinant vs a numerical
// Jacobian, normalisation of the density, the NLL gradient vs finite differences, and training.
#include <doctest/doctest.h>

#include <Eigen/LU>  // 2×2 determinant
#include <cmath>
#include <numbers>

#include "core/nn/adam.hpp"
#include "core/nn/realnvp.hpp"
#include "core/objectives/objective.hpp"
#include "core/targets/targets.hpp"

using namespace flowlab::core;

namespace {

TrainerConfig smallConfig(int couplings = 6, int hidden = 16, int layers = 2,
                          Activation activation = Activation::Tanh) {
  TrainerConfig c;
  c.method = Method::RealNvp;
  c.couplingLayers = couplings;
  c.mlp.hidden = hidden;
  c.mlp.layers = layers;
  c.mlp.activation = activation;
  return c;
}

// Initialised, then every parameter moved by `scale`·N(0, 1): a flow far from the identity.
ParamVec perturbedParams(const RealNvp& flow, std::uint64_t seed, float scale) {
  Rng rng(seed);
  ParamVec theta(flow.paramCount());
  flow.initParams(theta, rng);
  ParamVec noise(flow.paramCount());
  rng.fillNormal(noise);
  theta += scale * noise;
  return theta;
}

Points normalPoints(Eigen::Index n, std::uint64_t seed) {
  Rng rng(seed);
  Points z(2, n);
  rng.fillNormal(z);
  return z;
}

}  // namespace

TEST_CASE("realnvp: parameter count, identity at initialisation, bad config") {
  const TrainerConfig config = smallConfig(5, 8, 2);
  const RealNvp flow(config.mlp, config.couplingLayers);
  MlpConfig m;
  m.inDim = 1;
  m.outDim = 2;
  m.hidden = 8;
  m.layers = 2;
  m.timeInput = false;
  CHECK(flow.paramCount() == RealNvp::kAffineParams + 5 * Mlp(m).paramCount());

  Rng rng(1);
  ParamVec theta(flow.paramCount());
  flow.initParams(theta, rng);
  CHECK(theta.norm() > 0.0f);  // hidden layers are random, only the output layers are zero

  const Points z = normalPoints(64, 2);
  Points x;
  PointRow logdet;
  RealNvpWorkspace ws;
  flow.forward(theta.data(), z, x, logdet, ws);
  // Every coupling is exactly the identity (s = τ = 0, α = β = 0); what is left are the fixed
  // rotations, so the density is exactly N(0, I): norms are kept and log|det| = 0.
  CHECK((x.colwise().norm() - z.colwise().norm()).cwiseAbs().maxCoeff() < 1e-5f);
  CHECK(logdet.cwiseAbs().maxCoeff() == 0.0f);
  PointRow logp;
  flow.logDensity(theta.data(), z, logp, ws);
  const PointRow base = (-0.5f * z.colwise().squaredNorm().array() -
                         static_cast<float>(std::log(2.0 * std::numbers::pi)))
                            .matrix();
  CHECK((logp - base).cwiseAbs().maxCoeff() < 1e-5f);

  TrainerConfig bad = config;
  bad.couplingLayers = 0;
  CHECK_THROWS_AS((RealNvp{bad.mlp, bad.couplingLayers}), std::invalid_argument);
  CHECK_THROWS_AS(makeRealNvpObjective(config, nullptr), std::invalid_argument);
}

TEST_CASE("realnvp: inverse(forward(z)) = z, forward(inverse(x)) = x, logdets are negatives") {
  for (const Activation act : {Activation::Tanh, Activation::SiLU}) {
    CAPTURE(activationName(act));
    const TrainerConfig small = smallConfig(6, 16, 2, act);
    const RealNvp flow(small.mlp, small.couplingLayers);
    // 0.15: far from the identity (|log det| up to ~1), not so far that float round-off of a
    // strongly contracting map dominates.
    const ParamVec theta = perturbedParams(flow, 11, 0.15f);
    RealNvpWorkspace ws;

    const Points z = normalPoints(500, 12);
    Points x, zBack;
    PointRow ldForward, ldInverse;
    flow.forward(theta.data(), z, x, ldForward, ws);
    REQUIRE(x.allFinite());
    // The flow must not be the identity, or the test proves nothing.
    CHECK((x - z).cwiseAbs().maxCoeff() > 0.1f);
    CHECK(ldForward.cwiseAbs().maxCoeff() > 0.3f);
    flow.inverse(theta.data(), x, zBack, ldInverse, ws);
    CHECK((zBack - z).cwiseAbs().maxCoeff() < 1e-5f * (1.0f + z.cwiseAbs().maxCoeff()));
    // log|det ∂f⁻¹/∂x| at x = f(z) is −log|det ∂f/∂z| at z.
    CHECK((ldForward + ldInverse).cwiseAbs().maxCoeff() < 1e-5f);

    // The other way round, from points that are not base samples; also in place (aliasing).
    Points data = 2.0f * normalPoints(500, 13);
    const Points original = data;
    flow.inverse(theta.data(), data, data, ldInverse, ws);
    flow.forward(theta.data(), data, data, ldForward, ws);
    CHECK((data - original).cwiseAbs().maxCoeff() <
          1e-5f * (1.0f + original.cwiseAbs().maxCoeff()));
    CHECK((ldForward + ldInverse).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

TEST_CASE("realnvp: forward logdet equals log|det| of a central-difference Jacobian") {
  const TrainerConfig small = smallConfig(6, 16, 2, Activation::SiLU);
  const RealNvp flow(small.mlp, small.couplingLayers);
  // 0.15: log|det| up to ~1; stronger maps make the float differences lose digits.
  const ParamVec theta = perturbedParams(flow, 21, 0.15f);
  RealNvpWorkspace ws;

  const Eigen::Index n = 40;
  const Points z = normalPoints(n, 22);
  // Float: h balances truncation O(h²) against rounding O(ε/h); with 1e-2 both stay ≲ 1e-4.
  const float h = 1e-2f;
  Points probes(2, 4 * n);  // z + h e₀, z − h e₀, z + h e₁, z − h e₁
  for (Eigen::Index i = 0; i < n; ++i)
    for (int j = 0; j < 2; ++j) {
      probes.col(4 * i + 2 * j) = z.col(i);
      probes.col(4 * i + 2 * j + 1) = z.col(i);
      probes(j, 4 * i + 2 * j) += h;
      probes(j, 4 * i + 2 * j + 1) -= h;
    }
  Points x, xProbe;
  PointRow logdet, unused;
  flow.forward(theta.data(), z, x, logdet, ws);
  flow.forward(theta.data(), probes, xProbe, unused, ws);

  double maxError = 0.0, maxLogdet = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Matrix2d jac;
    for (int j = 0; j < 2; ++j)
      jac.col(j) = (xProbe.col(4 * i + 2 * j).cast<double>() -
                    xProbe.col(4 * i + 2 * j + 1).cast<double>()) /
                   (2.0 * h);
    const double numeric = std::log(std::abs(jac.determinant()));
    maxError = std::max(maxError, std::abs(numeric - logdet(i)));
    maxLogdet = std::max(maxLogdet, std::abs(static_cast<double>(logdet(i))));
  }
  CHECK(maxLogdet > 0.3);  // a real volume change, not the identity
  CHECK(maxError < 5e-4);
}

TEST_CASE("realnvp: the density of a perturbed model integrates to 1") {
  const TrainerConfig small = smallConfig(6, 16, 2, Activation::Tanh);
  const RealNvp flow(small.mlp, small.couplingLayers);
  const ParamVec theta = perturbedParams(flow, 31, 0.2f);
  RealNvpWorkspace ws;

  // Midpoint rule on [−L, L]² with W×W cells.
  const int w = 500;
  const float half = 12.0f, cell = 2.0f * half / w;
  Points grid(2, static_cast<Eigen::Index>(w) * w);
  for (int j = 0; j < w; ++j)
    for (int i = 0; i < w; ++i)
      grid.col(static_cast<Eigen::Index>(j) * w + i) << -half + (i + 0.5f) * cell,
          -half + (j + 0.5f) * cell;
  PointRow logp;
  flow.logDensity(theta.data(), grid, logp, ws);
  REQUIRE(logp.allFinite());
  const double mass = logp.cast<double>().array().exp().sum() * static_cast<double>(cell) * cell;
  CHECK(std::abs(mass - 1.0) < 2e-3);  // the midpoint rule on a smooth density: ~1e-6

  // Not N(0, I) in disguise: the density must differ from the base somewhere.
  PointRow base = (-0.5f * grid.colwise().squaredNorm().array() -
                   static_cast<float>(std::log(2.0 * std::numbers::pi)))
                      .matrix();
  CHECK((logp - base).cwiseAbs().maxCoeff() > 0.5f);
}

TEST_CASE("realnvp: NLL gradient matches central finite differences") {
  const TrainerConfig small = smallConfig(4, 8, 2, Activation::Tanh);
  const RealNvp flow(small.mlp, small.couplingLayers);
  // 0.5: large enough that the scale bound's tanh is well into its curved part.
  const ParamVec theta = perturbedParams(flow, 41, 0.5f);
  RealNvpWorkspace ws;
  const Points x = 1.5f * normalPoints(64, 42);

  ParamVec grad;
  const double loss = flow.nllAndGradient(theta.data(), x, grad, ws);
  REQUIRE(grad.size() == flow.paramCount());
  REQUIRE(grad.allFinite());

  // The loss agrees with logDensity.
  PointRow logp;
  flow.logDensity(theta.data(), x, logp, ws);
  CHECK(loss == doctest::Approx(-logp.cast<double>().mean()).epsilon(1e-5));

  const float h = 1e-2f;
  auto lossAt = [&](const ParamVec& p) {
    ParamVec g;
    return flow.nllAndGradient(p.data(), x, g, ws);
  };
  // Every parameter of a small model, one by one.
  double maxError = 0.0, maxGrad = 0.0;
  for (Eigen::Index i = 0; i < flow.paramCount(); ++i) {
    ParamVec plus = theta, minus = theta;
    plus(i) += h;
    minus(i) -= h;
    const double numeric = (lossAt(plus) - lossAt(minus)) / (2.0 * h);
    maxError = std::max(maxError, std::abs(numeric - grad(i)) / (1.0 + std::abs(numeric)));
    maxGrad = std::max(maxGrad, std::abs(numeric));
  }
  CHECK(maxGrad > 0.1);
  CHECK(maxError < 1e-3);

  // And along a random direction through all parameters at once.
  Rng rng(43);
  ParamVec dir(flow.paramCount());
  rng.fillNormal(dir);
  dir /= dir.norm();
  const double numeric = (lossAt(theta + h * dir) - lossAt(theta - h * dir)) / (2.0 * h);
  CHECK(numeric == doctest::Approx(grad.dot(dir)).epsilon(2e-3).scale(1.0));
}

TEST_CASE("realnvp: the objective samples the target and returns the NLL and its gradient") {
  TrainerConfig config = smallConfig(4, 8, 2);
  config.batch = 128;
  const auto target = makeBuiltinTarget("8gaussians");
  REQUIRE(target);
  const RealNvp flow(config.mlp, config.couplingLayers);
  const ParamVec theta = perturbedParams(flow, 51, 0.2f);

  auto objective = makeRealNvpObjective(config, target);
  Rng rng(52), sameRng(52);
  ParamVec grad(flow.paramCount());
  const double loss = objective->lossAndGradient(theta, grad, rng);

  Points batch(2, config.batch);
  target->sample(batch, sameRng);
  RealNvpWorkspace ws;
  ParamVec expected;
  CHECK(loss == flow.nllAndGradient(theta.data(), batch, expected, ws));
  CHECK(grad == expected);

  objective->setBatch(32);
  CHECK(std::isfinite(objective->lossAndGradient(theta, grad, rng)));
  CHECK_THROWS_AS(objective->lossAndGradient(ParamVec::Zero(3), grad, rng), std::invalid_argument);
}

TEST_CASE("realnvp: maximum likelihood on 8gaussians lowers the NLL") {
  // Fewer couplings, steps and a constant learning rate so the test stays quick; the full
  // default run (12 couplings, 5000 cosine steps) reaches ≈ H + 0.06.
  TrainerConfig config = smallConfig(8, 32, 2, Activation::Tanh);
  config.batch = 256;
  const auto target = makeBuiltinTarget("8gaussians");
  REQUIRE(target);
  const TargetInfo* info = findTargetInfo("8gaussians");
  REQUIRE(info);

  const RealNvp flow(config.mlp, config.couplingLayers);
  Rng rng(61);
  ParamVec theta(flow.paramCount()), grad(flow.paramCount());
  flow.initParams(theta, rng);

  Points heldOut(2, 5000);
  Rng heldOutRng(62);
  target->sample(heldOut, heldOutRng);
  RealNvpWorkspace ws;
  auto heldOutNll = [&] {
    PointRow logp;
    flow.logDensity(theta.data(), heldOut, logp, ws);
    return -logp.cast<double>().mean();
  };
  const double initial = heldOutNll();

  AdamConfig adamConfig;
  adamConfig.learningRate = 5e-3;
  Adam adam(flow.paramCount(), adamConfig);
  auto objective = makeRealNvpObjective(config, target);
  for (int step = 0; step < 1500; ++step) {
    const double loss = objective->lossAndGradient(theta, grad, rng);
    REQUIRE(std::isfinite(loss));
    adam.step(theta, grad);
  }
  const double final = heldOutNll();
  MESSAGE("8gaussians held-out NLL: initial " << initial << ", after 1500 steps " << final
                                              << " (entropy " << info->entropy << ")");
  CHECK(final < initial - 2.0);
  CHECK(final < info->entropy + 0.5);
  CHECK(final > info->entropy - 0.1);  // cannot beat the entropy on held-out data
}
