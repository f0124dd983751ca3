// Adam/AdamW over a flat parameter vector: bias-corrected moments, decoupled decay, norm clipping.
#include "core/adam.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace flowlab::core {

namespace {
// Moments and parameters are updated in slices that stay in L1 between the three passes.
constexpr Eigen::Index kSlice = 2048;
}  // namespace

Adam::Adam(Eigen::Index paramCount, const AdamConfig& config) : config_(config) {
  if (paramCount < 0) throw std::invalid_argument("Adam: negative parameter count");
  m_ = ParamVec::Zero(paramCount);
  v_ = ParamVec::Zero(paramCount);
}

void Adam::reset() {
  m_.setZero();
  v_.setZero();
  t_ = 0;
}

double Adam::step(Eigen::Ref<ParamVec> theta, const Eigen::Ref<const ParamVec>& grad) {
  const Eigen::Index n = m_.size();
  if (theta.size() != n || grad.size() != n)
    throw std::invalid_argument("Adam::step: expected " + std::to_string(n) + " parameters, got theta " +
                                std::to_string(theta.size()) + " and grad " + std::to_string(grad.size()));

  // Float sum of squares (vectorised; accurate enough for a clipping threshold); redone in double
  // only when it overflowed float, which takes |g| > 1.8e19.
  double squares = grad.squaredNorm();
  if (!std::isfinite(squares)) squares = grad.cast<double>().squaredNorm();
  const double norm = std::sqrt(squares);
  double scale = 1.0;
  if (config_.maxGradNorm > 0.0 && norm > config_.maxGradNorm) scale = config_.maxGradNorm / norm;

  ++t_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double bias2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  // PyTorch's form: θ −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). The clipping factor
  // multiplies g itself (not the moment coefficients, where its square could underflow).
  const float gScale = static_cast<float>(scale);
  const float mKeep = static_cast<float>(b1), mTake = static_cast<float>(1.0 - b1);
  const float vKeep = static_cast<float>(b2), vTake = static_cast<float>(1.0 - b2);
  const float stepSize = static_cast<float>(config_.learningRate / bias1);
  const float invSqrtBias2 = static_cast<float>(1.0 / std::sqrt(bias2));
  const float eps = static_cast<float>(config_.epsilon);
  // Decoupled weight decay (AdamW): θ ← θ·(1 − lr·wd) before the Adam step, as PyTorch does.
  const float decay = static_cast<float>(1.0 - config_.learningRate * config_.weightDecay);

  for (Eigen::Index i = 0; i < n; i += kSlice) {
    const Eigen::Index len = std::min(kSlice, n - i);
    const auto g = gScale * grad.segment(i, len).array();
    auto m = m_.segment(i, len).array();
    auto v = v_.segment(i, len).array();
    auto th = theta.segment(i, len).array();
    m = mKeep * m + mTake * g;
    v = vKeep * v + vTake * g.square();
    if (config_.weightDecay != 0.0) th *= decay;
    th -= stepSize * m / (v.sqrt() * invSqrtBias2 + eps);
  }
  return norm;
}

}  // namespace flowlab::core
