// Continuous normalizing flow by maximum likelihood (Chen et al. 2018; Grathwohl et al. 2019,
// FFJORD): maximise log p(x) = log N(x₀; 0, I) − ∫₀¹ tr(∂v/∂x)(x_t, t) dt, integrating
// each data point x = x₁ back from t = 1 to the base at t = 0 with the training solver.
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "core/objectives/objective.hpp"
#include "core/ode/cnf_solve.hpp"

namespace flowlab::core {
namespace {

class CnfObjective final : public Objective {
 public:
  CnfObjective(const TrainerConfig& config, std::shared_ptr<const Target> target)
      : mlp_(config.mlp), solve_(mlp_, config.cnf), target_(std::move(target)) {
    if (!target_) throw std::invalid_argument("cnf: maximum likelihood needs a target to sample");
    setBatch(config.batch);
  }

  void setBatch(int batch) override {
    if (batch < 1) throw std::invalid_argument("cnf: batch must be >= 1");
    x_.resize(2, batch);
    dx_.resize(2, batch);
    ell_.resize(batch);
    dell_.resize(batch);
  }

  void setTarget(std::shared_ptr<const Target> target) override {
    if (target) target_ = std::move(target);
  }

  double lossAndGradient(const ParamVec& theta, ParamVec& grad, Rng& rng) override {
    const Eigen::Index b = x_.cols();
    target_->sample(x_, rng);
    // ℓ(1) = 0; integrating dℓ/dt = −div v from t = 1 down to 0 leaves ℓ(0) = ∫₀¹ div v dt, so
    // −log p(x₁) = ‖x₀‖²/2 + log 2π + ℓ(0).
    ell_.setZero();
    solve_.forward(theta.data(), x_, ell_, 1.0, 0.0, &rng);
    const double logTwoPi = std::log(2.0 * std::numbers::pi);
    const double nll =
        (0.5 * x_.colwise().squaredNorm().cast<double>().sum() + ell_.cast<double>().sum()) /
            static_cast<double>(b) +
        logTwoPi;
    // L = (1/B) Σ_i −log p(x_i) + R:  ∂L/∂x₀ = x₀/B, ∂L/∂ℓ(0) = 1/B (R's gradient is the solve's).
    const float invB = 1.0f / static_cast<float>(b);
    dx_ = invB * x_;
    dell_.setConstant(invB);
    grad.setZero();
    solve_.backward(theta.data(), dx_, dell_, grad);
    return nll + solve_.stats().regularizer;
  }

  ObjectiveStats stats() const override {
    return {solve_.stats().nfeForward, solve_.stats().nfeBackward};
  }

 private:
  Mlp mlp_;
  CnfSolve solve_;
  std::shared_ptr<const Target> target_;
  Points x_, dx_;
  PointRow ell_, dell_;
};

}  // namespace

std::unique_ptr<Objective> makeCnfObjective(const TrainerConfig& config,
                                            std::shared_ptr<const Target> target) {
  return std::make_unique<CnfObjective>(config, std::move(target));
}

}  // namespace flowlab::core
