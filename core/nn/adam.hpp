// Adam (Kingma & Ba 2015) over a flat parameter vector, with optional decoupled weight decay
// (AdamW, Loshchilov & Hutter 2019) and optional global gradient-norm clipping.
// Owned by one thread (the trainer); allocation-free after construction.
#pragma once

#include <cstdint>

#include "core/base/types.hpp"

namespace flowlab::core {

struct AdamConfig {
  double learningRate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weightDecay = 0.0;  // decoupled: θ ← θ − lr·wd·θ each step
  double maxGradNorm = 0.0;  // clip the global L2 norm of the gradient when > 0
  bool operator==(const AdamConfig&) const = default;
};

// The per-step coefficients of the update below, as the kernel sets apply them to every
// parameter (kernel_set.hpp): g ← gScale·grad; m ← mKeep·m + mTake·g; v ← vKeep·v + vTake·g²;
// θ ← decay·θ (when decayOn); θ ← θ − stepSize·m / (√v·invSqrtBias2 + eps).
struct AdamCoefficients {
  float gScale, mKeep, mTake, vKeep, vTake, stepSize, invSqrtBias2, eps, decay;
  bool decayOn;
};

class Adam {
 public:
  Adam(Eigen::Index paramCount, const AdamConfig& config);

  // Live-changeable hyper-parameters (learning rate, weight decay, clipping); keeps moments.
  void setConfig(const AdamConfig& config) { config_ = config; }
  const AdamConfig& config() const { return config_; }

  // θ ← θ − lr · m̂ / (√v̂ + ε) (− lr·wd·θ). grad is read, not modified. Sizes must match.
  // Returns the gradient norm before clipping. A gradient with a NaN or an infinity anywhere
  // changes nothing (θ, moments, step count) and is returned as a non-finite norm.
  double step(Eigen::Ref<ParamVec> theta, const Eigen::Ref<const ParamVec>& grad);

  void reset();  // zero moments and step count
  std::int64_t stepCount() const { return t_; }

  // The moments and step count, to save and put back (sizes must match: else
  // std::invalid_argument).
  struct State {
    ParamVec m, v;
    std::int64_t t = 0;
  };
  State state() const { return {m_, v_, t_}; }
  void restore(const State& state);

 private:
  AdamConfig config_;
  ParamVec m_, v_;
  std::int64_t t_ = 0;
};

}  // namespace flowlab::core
