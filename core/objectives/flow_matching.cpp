// Conditional flow matching (Lipman et al. 2023; Liu et al. 2023 "rectified flow"; Tong et al.
// 2024 for σ and minibatch OT couplings). With x_t = (1 − t)·x0 + t·x1 (+ σ·ε) the regression
// target is the conditional velocity x1 − x0; its minimiser is E[x1 − x0 | x_t], the marginal
// velocity field that transports N(0, I) at t = 0 to the target at t = 1.
#include <cmath>
#include <stdexcept>

#include "core/nn/mlp.hpp"
#include "core/objectives/objective.hpp"
#include "core/objectives/ot.hpp"

namespace flowlab::core {
namespace {

class FlowMatchingObjective final : public Objective {
 public:
  FlowMatchingObjective(const TrainerConfig& config, std::shared_ptr<const Target> target,
                        std::shared_ptr<const PairSet> pairs)
      : mlp_(config.mlp),
        useOt_(config.method == Method::OtCfm && !pairs),
        sigma_(static_cast<float>(config.sigma)),
        target_(std::move(target)),
        pairs_(std::move(pairs)) {
    if (!target_ && !pairs_)
      throw std::invalid_argument("flow matching needs a target or reflow pairs");
    if (pairs_ && (pairs_->x0.cols() == 0 || pairs_->x0.cols() != pairs_->x1.cols()))
      throw std::invalid_argument("reflow pair set is empty or inconsistent");
    setBatch(config.batch);
  }

  void setBatch(int batch) override {
    const Eigen::Index b = batch;
    x0_.resize(2, b);
    x1_.resize(2, b);
    xt_.resize(2, b);
    noise_.resize(2, b);
    t_.resize(b);
    y_.resize(2, b);
    dy_.resize(2, b);
    if (useOt_) {
      cost_.resize(b, b);
      matched_.resize(2, b);
      rowToCol_.reserve(b);
    }
  }

  void setTarget(std::shared_ptr<const Target> target) override {
    if (target) target_ = std::move(target);
  }

  double lossAndGradient(const ParamVec& theta, ParamVec& grad, Rng& rng) override {
    const Eigen::Index b = x0_.cols();
    drawCoupling(rng);
    rng.fillUniform(t_);
    // x_t = (1 − t)·x0 + t·x1 (+ σ·ε)
    xt_ = x0_ + (x1_ - x0_) * t_.asDiagonal();
    if (sigma_ > 0.0f) {
      rng.fillNormal(noise_);
      xt_ += sigma_ * noise_;
    }
    mlp_.forward(theta.data(), xt_, t_, y_, ws_);
    // L = (1/B) Σ_i ‖v(x_t, t) − (x1 − x0)‖²  (sum over the two coordinates, as the peer does)
    dy_ = y_ - (x1_ - x0_);
    const double loss = static_cast<double>(dy_.squaredNorm()) / static_cast<double>(b);
    dy_ *= 2.0f / static_cast<float>(b);
    grad.setZero();
    mlp_.backward(theta.data(), dy_, grad, nullptr, ws_);
    return loss;
  }

 private:
  void drawCoupling(Rng& rng) {
    const Eigen::Index b = x0_.cols();
    if (pairs_) {
      const auto m = static_cast<std::uint32_t>(pairs_->x0.cols());
      for (Eigen::Index i = 0; i < b; ++i) {
        const auto k = rng.below(m);
        x0_.col(i) = pairs_->x0.col(k);
        x1_.col(i) = pairs_->x1.col(k);
      }
      return;
    }
    rng.fillNormal(x0_);
    target_->sample(x1_, rng);
    // A non-finite sample cannot be coupled (the assignment needs finite costs); left as drawn
    // it makes the loss non-finite, which the divergence guard handles as for every method.
    if (useOt_ && x1_.allFinite()) {
      // Minibatch OT coupling: pair x0_i with x1_σ(i) for the exact optimal permutation σ.
      squaredDistances(x0_, x1_, cost_);
      assignment_.solve(cost_, rowToCol_);
      for (Eigen::Index i = 0; i < b; ++i) matched_.col(i) = x1_.col(rowToCol_[i]);
      x1_.swap(matched_);
    }
  }

  Mlp mlp_;
  bool useOt_;
  float sigma_;
  std::shared_ptr<const Target> target_;
  std::shared_ptr<const PairSet> pairs_;
  Points x0_, x1_, xt_, noise_, matched_;
  PointRow t_;
  MatrixF y_, dy_;
  MlpWorkspace ws_;
  Eigen::MatrixXd cost_;
  AssignmentSolver assignment_;
  std::vector<int> rowToCol_;
};

}  // namespace

std::unique_ptr<Objective> makeFlowMatchingObjective(const TrainerConfig& config,
                                                     std::shared_ptr<const Target> target,
                                                     std::shared_ptr<const PairSet> pairs) {
  return std::make_unique<FlowMatchingObjective>(config, std::move(target), std::move(pairs));
}

}  // namespace flowlab::core
