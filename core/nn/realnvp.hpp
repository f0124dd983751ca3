// RealNVP (Dinh et al. 2017): a discrete normalizing flow of affine coupling layers in 2-D, with
// exact log-determinant, sampling (base → data), density (data → base) and the
// maximum-likelihood gradient by hand-written reverse mode.
//
// The map f: base → data, read left to right (K couplings):
//
//   z ──A──> v ──C₀──> R ──C₁──> R ── … ──C_{K−1}──> x
//
//   A   learned per-dimension affine at the base side (ActNorm-like): v = exp(α) ⊙ z + β.
//       log|det| = α₀ + α₁.
//   C_k affine coupling. Coordinate a = k mod 2 conditions coordinate b = 1 − a:
//         (σ, τ) = h_k(u_a),  s = S·tanh(σ / S),
//         y_a = u_a,  y_b = u_b · exp(s) + τ,          log|det| = s,
//       inverse  u_b = (y_b − τ) · exp(−s),            log|det| = −s,
//       with h_k an Mlp (inDim 1, outDim 2, no time input; width, depth and activation as
//       given) and S = kScaleBound, so no single coupling scales by more than e^±S.
//   R   a fixed rotation by the golden angle π(3 − √5) ≈ 137.5° (no parameters, det 1) between
//       consecutive couplings. Alternating a/b alone only ever splits along the two axes; the
//       rotation gives each coupling a new direction to act along, never repeating, which is
//       what 2-D multi-modal targets (8gaussians, rings) need.
//
// Parameters: θ = [α₀, α₁, β₀, β₁, θ_h₀, θ_h₁, …, θ_h_{K−1}], each θ_h_k one conditioner in the
// Mlp's own layout. initParams() gives A = identity and zeroes the last (output) layer of every
// conditioner, so every coupling starts as the identity: the flow is then only the fixed
// rotations, its density exactly N(0, I), and it learns away from there.
//
// Batches are 2×N float, one point per column; log-determinants and log densities are 1×N.
// Sums over the batch (the loss) are accumulated in double.
//
// Thread affinity: RealNvp is immutable after construction and may be shared by any threads;
// a RealNvpWorkspace belongs to one thread at a time.
#pragma once

#include <vector>

#include "core/base/rng.hpp"
#include "core/base/types.hpp"
#include "core/nn/mlp.hpp"

namespace flowlab::core {

class RealNvpWorkspace;

class RealNvp {
 public:
  static constexpr float kScaleBound = 2.0f;  // S: |s| < S per coupling
  static constexpr int kAffineParams = 4;     // α₀, α₁, β₀, β₁ at the front of θ

  // `couplings` couplings (≥ 1); each conditioner's width, depth and activation from
  // `conditioner` (its inDim, outDim, timeInput and fourierFrequencies are ignored).
  // Throws std::invalid_argument on a bad config.
  RealNvp(const MlpConfig& conditioner, int couplings);

  int couplingLayers() const { return couplings_; }
  const Mlp& conditioner() const { return mlp_; }
  Eigen::Index paramCount() const { return kAffineParams + couplings_ * mlp_.paramCount(); }
  // Offset of coupling k's conditioner parameters in θ.
  Eigen::Index conditionerOffset(int k) const { return kAffineParams + k * mlp_.paramCount(); }

  // θ ← identity couplings: α = β = 0, conditioners PyTorch-default with their output layer
  // zeroed (p = N(0, I)). theta.size() must equal paramCount(); throws std::invalid_argument.
  void initParams(Eigen::Ref<ParamVec> theta, Rng& rng) const;

  // Base → data: x = f(z), logdet(i) = log|det ∂f/∂z| at z_i. z: 2×N; x (may alias z) and
  // logdet (1×N) are resized.
  void forward(const float* theta, const Points& z, Points& x, PointRow& logdet,
               RealNvpWorkspace& ws) const;

  // Data → base: z = f⁻¹(x), logdet(i) = log|det ∂f⁻¹/∂x| at x_i (= −forward logdet at z_i).
  // x: 2×N; z (may alias x) and logdet (1×N) are resized.
  void inverse(const float* theta, const Points& x, Points& z, PointRow& logdet,
               RealNvpWorkspace& ws) const;

  // log p(x) = log N(f⁻¹(x); 0, I) + log|det ∂f⁻¹/∂x| (change of variables), natural log.
  // x: 2×N; logp (1×N) is resized.
  void logDensity(const float* theta, const Points& x, PointRow& logp, RealNvpWorkspace& ws) const;

  // Maximum likelihood: returns L = −(1/N) Σᵢ log p(xᵢ) (double) and grad ← ∂L/∂θ (overwritten,
  // resized to paramCount()). x: 2×N, N ≥ 1. Allocation-free once ws and grad are sized for N.
  double nllAndGradient(const float* theta, const Points& x, ParamVec& grad,
                        RealNvpWorkspace& ws) const;

 private:
  // Runs f⁻¹ on ws.state_ in place, caching per coupling what the backward pass needs; adds
  // log|det ∂f⁻¹/∂x| to ws.logdet_.
  void inverseCached(const float* theta, RealNvpWorkspace& ws) const;

  int couplings_;
  Mlp mlp_;
  float rotCos_, rotSin_;  // the fixed rotation R
};

// Scratch and cached intermediates of one RealNvp evaluation. Sized on first use for a batch
// size N and reused without allocating while N stays the same. One per thread.
class RealNvpWorkspace {
 public:
  RealNvpWorkspace() = default;

 private:
  friend class RealNvp;
  void resize(int couplings, Eigen::Index n);

  struct Coupling {
    MlpWorkspace mlp;  // the conditioner's cached activations
    MatrixF cond;      // 1×N: the conditioning coordinate (the conditioner's input)
    MatrixF raw;       // 2×N: conditioner output (σ; τ)
    PointRow s;        // 1×N: bounded log-scale s
    PointRow out;      // 1×N: the transformed coordinate after this step
  };
  std::vector<Coupling> coupling_;
  Points state_;     // 2×N: the point being transformed
  Points grad_;      // 2×N: ∂L/∂(state) in the backward pass
  PointRow logdet_;  // 1×N: accumulated log-determinant
  PointRow time_;    // 1×N: zeros (the conditioner takes no time, but the API wants a row)
  MatrixF dRaw_;     // 2×N: ∂L/∂(σ; τ)
  MatrixF dCond_;    // 1×N: ∂L/∂(conditioning coordinate) from the conditioner
};

}  // namespace flowlab::core
