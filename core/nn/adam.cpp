// Adam/AdamW over a flat parameter vector: bias-corrected moments, decoupled decay, norm clipping.
#include "core/nn/adam.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "core/nn/kernel_set.hpp"

namespace flowlab::core {

Adam::Adam(Eigen::Index paramCount, const AdamConfig& config) : config_(config) {
  if (paramCount < 0) throw std::invalid_argument("Adam: negative parameter count");
  m_ = ParamVec::Zero(paramCount);
  v_ = ParamVec::Zero(paramCount);
}

void Adam::restore(const State& state) {
  if (state.m.size() != m_.size() || state.v.size() != v_.size() || state.t < 0)
    throw std::invalid_argument("Adam: the saved state does not fit this model");
  m_ = state.m;
  v_ = state.v;
  t_ = state.t;
}

void Adam::reset() {
  m_.setZero();
  v_.setZero();
  t_ = 0;
}

double Adam::step(Eigen::Ref<ParamVec> theta, const Eigen::Ref<const ParamVec>& grad) {
  const Eigen::Index n = m_.size();
  if (theta.size() != n || grad.size() != n)
    throw std::invalid_argument("Adam::step: expected " + std::to_string(n) +
                                " parameters, got theta " + std::to_string(theta.size()) +
                                " and grad " + std::to_string(grad.size()));

  // Float sum of squares (vectorised; accurate enough for a clipping threshold); redone in double
  // only when it overflowed float, which takes |g| > 1.8e19 — or a NaN or Inf is in g.
  const KernelTable& kernels = activeKernels();
  double squares = kernels.sumOfSquares(grad.data(), n);
  if (!std::isfinite(squares)) squares = grad.cast<double>().squaredNorm();
  const double norm = std::sqrt(squares);
  if (!std::isfinite(norm)) return norm;
  double scale = 1.0;
  if (config_.maxGradNorm > 0.0 && norm > config_.maxGradNorm) scale = config_.maxGradNorm / norm;

  ++t_;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(t_));
  const double bias2 = 1.0 - std::pow(b2, static_cast<double>(t_));
  // PyTorch's form: θ −= (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). The clipping factor
  // multiplies g itself (not the moment coefficients, where its square could underflow).
  // Decoupled weight decay (AdamW): θ ← θ·(1 − lr·wd) before the Adam step, as PyTorch does.
  const AdamCoefficients c{static_cast<float>(scale),
                           static_cast<float>(b1),
                           static_cast<float>(1.0 - b1),
                           static_cast<float>(b2),
                           static_cast<float>(1.0 - b2),
                           static_cast<float>(config_.learningRate / bias1),
                           static_cast<float>(1.0 / std::sqrt(bias2)),
                           static_cast<float>(config_.epsilon),
                           static_cast<float>(1.0 - config_.learningRate * config_.weightDecay),
                           config_.weightDecay != 0.0};
  kernels.adamUpdate(c, grad.data(), m_.data(), v_.data(), theta.data(), n);
  return norm;
}

}  // namespace flowlab::core
