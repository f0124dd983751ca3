// The velocity MLP: configuration, names, construction and initialisation. The sweeps live in
// mlp_forward.cpp (forward mode) and mlp_reverse.cpp (reverse mode); their shared internals in
// mlp_internal.hpp.
#include "core/mlp.hpp"

#include "core/mlp_internal.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

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

// ---- Names ---------------------------------------------------------------------------------------

std::string_view activationName(Activation a) {
  switch (a) {
    case Activation::Tanh: return "tanh";
    case Activation::SiLU: return "silu";
    case Activation::SELU: return "selu";
    case Activation::Softplus: return "softplus";
  }
  return "unknown";
}

std::optional<Activation> parseActivation(std::string_view name) {
  for (Activation a : {Activation::Tanh, Activation::SiLU, Activation::SELU, Activation::Softplus})
    if (activationName(a) == name) return a;
  return std::nullopt;
}

// ---- Construction ----------------------------------------------------------------------------------

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
    case Activation::Softplus: break;
    default: fail("unknown activation");
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

}  // namespace flowlab::core
