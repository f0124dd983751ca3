// The velocity MLP: configuration, names, construction, initialisation, and the public methods,
// which check their arguments and run the active kernel set's sweeps (kernel_set.hpp). The
// sweeps live in mlp_forward.cpp (forward mode) and mlp_reverse.cpp (reverse mode); their shared
// internals in mlp_internal.hpp.
#include "core/nn/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/nn/kernel_set.hpp"
#include "core/nn/mlp_internal.hpp"

namespace flowlab::core {

using namespace mlp_internal;

MlpWorkspace::MlpWorkspace() : impl_(new Impl) {}
MlpWorkspace::~MlpWorkspace() { delete impl_; }
// A moved-from workspace holds no Impl; it may only be destroyed or assigned to.
MlpWorkspace::MlpWorkspace(MlpWorkspace&& other) noexcept
    : impl_(std::exchange(other.impl_, nullptr)) {}
MlpWorkspace& MlpWorkspace::operator=(MlpWorkspace&& other) noexcept {
  if (this != &other) std::swap(impl_, other.impl_);
  return *this;
}

// ---- Names
// ---------------------------------------------------------------------------------------

std::string_view activationName(Activation a) {
  switch (a) {
    case Activation::Tanh:
      return "tanh";
    case Activation::SiLU:
      return "silu";
    case Activation::SELU:
      return "selu";
    case Activation::Softplus:
      return "softplus";
  }
  return "unknown";
}

std::optional<Activation> parseActivation(std::string_view name) {
  for (Activation a : {Activation::Tanh, Activation::SiLU, Activation::SELU, Activation::Softplus})
    if (activationName(a) == name) return a;
  return std::nullopt;
}

// ---- Construction
// ----------------------------------------------------------------------------------

namespace {

void validate(const MlpConfig& c) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("MlpConfig: " + what); };
  if (c.inDim < 1) fail("inDim must be ≥ 1, got " + std::to_string(c.inDim));
  if (c.outDim < 1) fail("outDim must be ≥ 1, got " + std::to_string(c.outDim));
  if (c.hidden < 1) fail("hidden must be ≥ 1, got " + std::to_string(c.hidden));
  if (c.layers < 1) fail("layers must be ≥ 1, got " + std::to_string(c.layers));
  if (c.fourierFrequencies < 0)
    fail("fourierFrequencies must be ≥ 0, got " + std::to_string(c.fourierFrequencies));
  if (c.fourierFrequencies > 0 && !c.timeInput) fail("fourierFrequencies > 0 requires timeInput");
  switch (c.activation) {
    case Activation::Tanh:
    case Activation::SiLU:
    case Activation::SELU:
    case Activation::Softplus:
      break;
    default:
      fail("unknown activation");
  }
}

}  // namespace

Mlp::Mlp(const MlpConfig& config) : config_(config) {
  validate(config_);
  const LayerShape last = layerShape(config_, config_.layers);
  paramCount_ = last.biasOffset() + last.out;
}

double Mlp::forwardFlopsPerPoint() const {
  double macs = 0.0;
  for (int l = 0; l <= config_.layers; ++l) {
    const LayerShape s = layerShape(config_, l);
    macs += static_cast<double>(s.in) * static_cast<double>(s.out);
  }
  return 2.0 * macs;
}

void Mlp::initParams(Eigen::Ref<ParamVec> theta, Rng& rng) const {
  if (theta.size() != paramCount_)
    throw std::invalid_argument("Mlp::initParams: theta has " + std::to_string(theta.size()) +
                                " entries, expected " + std::to_string(paramCount_));
  for (int l = 0; l <= config_.layers; ++l) {
    const LayerShape s = layerShape(config_, l);
    // PyTorch nn.Linear: kaiming_uniform(a=√5) on W and U(−1/√fan_in, 1/√fan_in) on b, which
    // are the same bound 1/√fan_in.
    const double bound = 1.0 / std::sqrt(static_cast<double>(s.in));
    const Index end = s.biasOffset() + s.out;
    for (Index i = s.offset; i < end; ++i)
      theta[i] = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  }
}

// ---- Evaluations: argument checks, then the active kernel set
// -------------------------------------

void Mlp::forward(const float* theta, const Eigen::Ref<const MatrixF>& x,
                  const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::forward");
  activeKernels().forward(config_, theta, x, t, y, ws.impl());
}

void Mlp::evaluate(const float* theta, const Eigen::Ref<const MatrixF>& x,
                   const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::evaluate");
  activeKernels().evaluate(config_, theta, x, t, y, ws.impl());
}

void Mlp::jvp(const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, const Eigen::Ref<const MatrixF>& u, MatrixF& y,
              MatrixF& yDot, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::jvp");
  checkAdjoint(u.rows(), u.cols(), config_.inDim, x.cols(), "Mlp::jvp (tangent u)");
  activeKernels().jvp(config_, theta, x, t, u, y, yDot, ws.impl());
}

void Mlp::divergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                     const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                     MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::divergence");
  checkBatch(config_, x, t, "Mlp::divergence");
  activeKernels().basisForward(config_, theta, x, t, y, &div, false, ws.impl());
}

void Mlp::evaluateDivergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                             const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                             MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::evaluateDivergence");
  checkBatch(config_, x, t, "Mlp::evaluateDivergence");
  activeKernels().basisForward(config_, theta, x, t, y, &div, true, ws.impl());
}

void Mlp::jacobian(const float* theta, const Eigen::Ref<const MatrixF>& x,
                   const Eigen::Ref<const PointRow>& t, MatrixF& y, MatrixF& jac,
                   MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::jacobian");
  checkBatch(config_, x, t, "Mlp::jacobian");
  activeKernels().jacobian(config_, theta, x, t, y, jac, ws.impl());
}

// ---- Reverse sweeps: the workspace must hold the matching evaluation
// ------------------------------

void Mlp::backward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                   Eigen::Ref<ParamVec> grad, MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached == Cached::Nothing || !(w.config == config_))
    throw std::logic_error("Mlp::backward: no evaluation of this network cached in the workspace");
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, w.batch, "Mlp::backward");
  checkGrad(grad.size(), paramCount_, "Mlp::backward");
  activeKernels().backward(config_, theta, dy, grad, dx, w);
}

void Mlp::jvpBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                      const Eigen::Ref<const MatrixF>& dyDot, Eigen::Ref<ParamVec> grad,
                      MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached != Cached::Given || !(w.config == config_))
    throw std::logic_error("Mlp::jvpBackward: call jvp() on this workspace first");
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, w.batch, "Mlp::jvpBackward (dy)");
  checkAdjoint(dyDot.rows(), dyDot.cols(), config_.outDim, w.batch, "Mlp::jvpBackward (dyDot)");
  checkGrad(grad.size(), paramCount_, "Mlp::jvpBackward");
  activeKernels().jvpBackward(config_, theta, dy, dyDot, grad, dx, w);
}

void Mlp::divergenceBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                             const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec> grad,
                             MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached != Cached::Basis || !(w.config == config_))
    throw std::logic_error("Mlp::divergenceBackward: call divergence() on this workspace first");
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, w.batch, "Mlp::divergenceBackward (dy)");
  checkAdjoint(ddiv.rows(), ddiv.cols(), 1, w.batch, "Mlp::divergenceBackward (ddiv)");
  checkGrad(grad.size(), paramCount_, "Mlp::divergenceBackward");
  activeKernels().divergenceBackward(config_, theta, dy, ddiv, grad, dx, w);
}

}  // namespace flowlab::core
