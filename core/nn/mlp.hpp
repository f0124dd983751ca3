// Folder nn/: the networks and their optimiser (the velocity MLP with its forward, reverse and
// forward-mode sweeps on SIMD kernel sets chosen at run time; RealNVP; Adam).
//
// The velocity model: a small MLP f(x, t) with hand-written reverse mode and forward mode.
//
// Layout. Input z = [x (inDim rows); t (if timeInput); sin(2πkt), cos(2πkt) for k = 1..F].
// `layers` hidden layers of `hidden` units with the chosen activation, then a linear output of
// outDim rows. Parameters live in ONE flat float vector θ: for each layer l in order, W_l
// (out_l × in_l, column-major) followed by b_l (out_l). initParams() follows PyTorch's
// nn.Linear default: W, b ~ U(−1/√in_l, 1/√in_l).
//
// Batches are column-major: x is inDim×B (one point per column), t is 1×B (per-point time; an
// ODE solver passes a constant row). All arithmetic is float, through register-blocked SIMD
// kernels (dense_kernels.hpp; Eigen's GEMMs for widths they do not take) of the active kernel
// set (kernel_set.hpp). MlpWorkspace holds the cached activations of ONE evaluation plus
// scratch; it is sized on first use for a batch size and reused without allocating while B
// stays the same.
//
// Thread affinity: Mlp is immutable after construction and may be shared by any threads; an
// MlpWorkspace belongs to one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/rng.hpp"
#include "core/base/types.hpp"

namespace flowlab::core {

enum class Activation { Tanh, SiLU, SELU, Softplus };

std::string_view activationName(Activation a);  // "tanh", "silu", "selu", "softplus"
std::optional<Activation> parseActivation(std::string_view name);  // nullopt when unknown

// Whether σ' and σ''/σ' are functions of the output h = σ(z) alone (tanh: 1 − h², −2h; SELU),
// so that a layer needs to keep only h for tangents and reverse sweeps. SiLU is not monotone, and
// Softplus would need an exp per use.
constexpr bool derivativesFromOutput(Activation a) {
  return a == Activation::Tanh || a == Activation::SELU;
}

struct MlpConfig {
  int inDim = 2;    // spatial inputs
  int outDim = 2;   // outputs (2 for a velocity field)
  int hidden = 64;  // width of every hidden layer, ≥ 1
  int layers = 3;   // number of hidden layers, ≥ 1
  Activation activation = Activation::SiLU;
  bool timeInput = true;       // append t to the input
  int fourierFrequencies = 0;  // append sin/cos(2πkt), k = 1..F (requires timeInput)

  int inputWidth() const { return inDim + (timeInput ? 1 + 2 * fourierFrequencies : 0); }
  bool operator==(const MlpConfig&) const = default;
};

class MlpWorkspace;

class Mlp {
 public:
  explicit Mlp(const MlpConfig& config);  // throws std::invalid_argument on a bad config

  const MlpConfig& config() const { return config_; }
  Eigen::Index paramCount() const { return paramCount_; }
  // Multiply-add FLOPs (2 per MAC) of one forward pass for one point (dense layers only).
  double forwardFlopsPerPoint() const;

  // θ ← PyTorch-default initialisation. theta.size() must equal paramCount().
  void initParams(Eigen::Ref<ParamVec> theta, Rng& rng) const;

  // y = f(x, t). x: inDim×B, t: 1×B, y: outDim×B (resized if needed).
  // Caches what backward() needs in ws.
  void forward(const float* theta, const Eigen::Ref<const MatrixF>& x,
               const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const;

  // y = f(x, t) for inference only: like forward() but caches nothing for a reverse sweep
  // (cheaper; a later backward() on ws throws).
  void evaluate(const float* theta, const Eigen::Ref<const MatrixF>& x,
                const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const;

  // Reverse mode after forward() on the same ws. dy: outDim×B = ∂L/∂y.
  // grad += ∂L/∂θ (size paramCount()); if dx is non-null, *dx = ∂L/∂x (inDim×B).
  void backward(const float* theta, const Eigen::Ref<const MatrixF>& dy, Eigen::Ref<ParamVec> grad,
                MatrixF* dx, MlpWorkspace& ws) const;

  // Forward mode: y = f(x, t) and yDot = (∂f/∂x)·u for one tangent u (inDim×B) per point.
  // Caches what jvpBackward() needs in ws.
  void jvp(const float* theta, const Eigen::Ref<const MatrixF>& x,
           const Eigen::Ref<const PointRow>& t, const Eigen::Ref<const MatrixF>& u, MatrixF& y,
           MatrixF& yDot, MlpWorkspace& ws) const;

  // Reverse over forward, after jvp() on the same ws: given ∂L/∂y (outDim×B) and ∂L/∂yDot
  // (outDim×B), grad += ∂L/∂θ; if dx is non-null, *dx = ∂L/∂x (u held fixed).
  void jvpBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                   const Eigen::Ref<const MatrixF>& dyDot, Eigen::Ref<ParamVec> grad, MatrixF* dx,
                   MlpWorkspace& ws) const;

  // Exact divergence (requires inDim == outDim == 2): y = f(x, t) and
  // div = tr(∂f/∂x) = ∂f₀/∂x₀ + ∂f₁/∂x₁ from two forward tangents e₀, e₁. div: 1×B.
  // Caches what divergenceBackward() needs in ws.
  void divergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                  const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                  MlpWorkspace& ws) const;

  // The same y and div for inference only: caches nothing for divergenceBackward() (cheaper, and
  // a large batch stays in cache chunk by chunk).
  void evaluateDivergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                          const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                          MlpWorkspace& ws) const;

  // Reverse over forward, after divergence() on the same ws: given ∂L/∂y (2×B) and ∂L/∂div
  // (1×B), grad += ∂L/∂θ; if dx is non-null, *dx = ∂L/∂x (2×B).
  void divergenceBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                          const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec> grad,
                          MatrixF* dx, MlpWorkspace& ws) const;

  // The full 2×2 Jacobian ∂f/∂x at every point (requires inDim == outDim == 2):
  // jac is 4×B holding (∂f₀/∂x₀, ∂f₁/∂x₀, ∂f₀/∂x₁, ∂f₁/∂x₁) per column. For inspection/tests.
  void jacobian(const float* theta, const Eigen::Ref<const MatrixF>& x,
                const Eigen::Ref<const PointRow>& t, MatrixF& y, MatrixF& jac,
                MlpWorkspace& ws) const;

 private:
  MlpConfig config_;
  Eigen::Index paramCount_ = 0;
};

// Cached activations and scratch for one evaluation of an Mlp. Opaque to callers; create one per
// thread (or one per tape entry when backpropagating through several evaluations).
class MlpWorkspace {
 public:
  MlpWorkspace();
  ~MlpWorkspace();
  MlpWorkspace(MlpWorkspace&&) noexcept;
  MlpWorkspace& operator=(MlpWorkspace&&) noexcept;
  MlpWorkspace(const MlpWorkspace&) = delete;
  MlpWorkspace& operator=(const MlpWorkspace&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  Impl* impl_;
};

}  // namespace flowlab::core
