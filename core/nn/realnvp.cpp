// RealNVP affine-coupling flow: forward/inverse maps, exact log density and the
// maximum-likelihood gradient (reverse mode through f⁻¹).
#include "core/nn/realnvp.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace flowlab::core {

namespace {

MlpConfig conditionerConfig(const MlpConfig& shape, int couplings) {
  if (couplings < 1)
    throw std::invalid_argument("realnvp: couplingLayers must be >= 1, got " +
                                std::to_string(couplings));
  MlpConfig c;
  c.inDim = 1;   // the conditioning coordinate
  c.outDim = 2;  // (σ, τ): raw log-scale and shift of the other coordinate
  c.hidden = shape.hidden;
  c.layers = shape.layers;
  c.activation = shape.activation;
  c.timeInput = false;
  c.fourierFrequencies = 0;
  return c;
}

// v ← R v (forward) or v ← Rᵀ v (inverse), R = [c −s; s c]. Column loop: an Eigen product would
// assume aliasing and allocate a temporary.
void rotate(Points& v, float c, float s) {
  for (Eigen::Index i = 0; i < v.cols(); ++i) {
    const float x = v(0, i), y = v(1, i);
    v(0, i) = c * x - s * y;
    v(1, i) = s * x + c * y;
  }
}

const double kLog2Pi = std::log(2.0 * std::numbers::pi);

}  // namespace

void RealNvpWorkspace::resize(int couplings, Eigen::Index n) {
  if (static_cast<int>(coupling_.size()) != couplings) coupling_.resize(couplings);
  for (auto& c : coupling_) {
    c.cond.resize(1, n);
    c.raw.resize(2, n);
    c.s.resize(n);
    c.out.resize(n);
  }
  state_.resize(2, n);
  grad_.resize(2, n);
  logdet_.resize(n);
  if (time_.size() != n) time_.setZero(n);
  dRaw_.resize(2, n);
  dCond_.resize(1, n);
}

RealNvp::RealNvp(const MlpConfig& conditioner, int couplings)
    : couplings_(couplings), mlp_(conditionerConfig(conditioner, couplings)) {
  // Golden angle π(3 − √5): successive coupling directions never repeat and stay well spread.
  const double angle = std::numbers::pi * (3.0 - std::sqrt(5.0));
  rotCos_ = static_cast<float>(std::cos(angle));
  rotSin_ = static_cast<float>(std::sin(angle));
}

void RealNvp::initParams(Eigen::Ref<ParamVec> theta, Rng& rng) const {
  if (theta.size() != paramCount())
    throw std::invalid_argument("realnvp: initParams needs " + std::to_string(paramCount()) +
                                " parameters, got " + std::to_string(theta.size()));
  theta.head(kAffineParams).setZero();
  const Eigen::Index p = mlp_.paramCount();
  // The output layer (W: 2×hidden, then b: 2) is the tail of the Mlp's layout.
  const Eigen::Index outputLayer = 2 * mlp_.config().hidden + 2;
  for (int k = 0; k < couplings_; ++k) {
    auto block = theta.segment(conditionerOffset(k), p);
    mlp_.initParams(block, rng);
    block.tail(outputLayer).setZero();  // s = τ = 0: the coupling starts as the identity
  }
}

void RealNvp::forward(const float* theta, const Points& z, Points& x, PointRow& logdet,
                      RealNvpWorkspace& ws) const {
  const Eigen::Index n = z.cols();
  ws.resize(couplings_, n);
  Points& v = ws.state_;
  v = z;
  // A: v = exp(α) ⊙ z + β.
  for (int d = 0; d < 2; ++d)
    v.row(d) = (v.row(d).array() * std::exp(theta[d]) + theta[2 + d]).matrix();
  ws.logdet_.setConstant(theta[0] + theta[1]);
  for (int k = 0; k < couplings_; ++k) {
    if (k > 0) rotate(v, rotCos_, rotSin_);
    const int a = k % 2, b = 1 - a;
    auto& c = ws.coupling_[k];
    c.cond.row(0) = v.row(a);
    mlp_.forward(theta + conditionerOffset(k), c.cond, ws.time_, c.raw, c.mlp);
    c.s = kScaleBound * (c.raw.row(0).array() / kScaleBound).tanh();
    // y_b = u_b · exp(s) + τ; log|det| = s.
    v.row(b) = (v.row(b).array() * c.s.array().exp() + c.raw.row(1).array()).matrix();
    ws.logdet_ += c.s;
  }
  x = v;
  logdet = ws.logdet_;
}

void RealNvp::inverseCached(const float* theta, RealNvpWorkspace& ws) const {
  Points& v = ws.state_;
  ws.logdet_.setZero();
  for (int k = couplings_ - 1; k >= 0; --k) {
    const int a = k % 2, b = 1 - a;
    auto& c = ws.coupling_[k];
    c.cond.row(0) = v.row(a);
    mlp_.forward(theta + conditionerOffset(k), c.cond, ws.time_, c.raw, c.mlp);
    c.s = kScaleBound * (c.raw.row(0).array() / kScaleBound).tanh();
    // u_b = (y_b − τ) · exp(−s); log|det| = −s.
    c.out = ((v.row(b).array() - c.raw.row(1).array()) * (-c.s.array()).exp()).matrix();
    v.row(b) = c.out;
    ws.logdet_ -= c.s;
    if (k > 0) rotate(v, rotCos_, -rotSin_);  // Rᵀ = R⁻¹
  }
  // A⁻¹: z = (v − β) ⊙ exp(−α).
  for (int d = 0; d < 2; ++d)
    v.row(d) = ((v.row(d).array() - theta[2 + d]) * std::exp(-theta[d])).matrix();
  ws.logdet_.array() -= theta[0] + theta[1];
}

void RealNvp::inverse(const float* theta, const Points& x, Points& z, PointRow& logdet,
                      RealNvpWorkspace& ws) const {
  ws.resize(couplings_, x.cols());
  ws.state_ = x;
  inverseCached(theta, ws);
  z = ws.state_;
  logdet = ws.logdet_;
}

void RealNvp::logDensity(const float* theta, const Points& x, PointRow& logp,
                         RealNvpWorkspace& ws) const {
  ws.resize(couplings_, x.cols());
  ws.state_ = x;
  inverseCached(theta, ws);
  // log p(x) = log N(z; 0, I) + log|det ∂f⁻¹/∂x| (change of variables).
  logp = (-0.5f * ws.state_.colwise().squaredNorm().array() - static_cast<float>(kLog2Pi) +
          ws.logdet_.array())
             .matrix();
}

double RealNvp::nllAndGradient(const float* theta, const Points& x, ParamVec& grad,
                               RealNvpWorkspace& ws) const {
  const Eigen::Index n = x.cols();
  if (n < 1) throw std::invalid_argument("realnvp: nllAndGradient needs at least one point");
  ws.resize(couplings_, n);
  ws.state_ = x;
  inverseCached(theta, ws);
  const Points& z = ws.state_;

  // L = (1/N) Σᵢ [½‖zᵢ‖² + log 2π − ldᵢ], ld = log|det ∂f⁻¹/∂x|; summed in double.
  double sum = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    sum += 0.5 * (static_cast<double>(z(0, i)) * z(0, i) + static_cast<double>(z(1, i)) * z(1, i)) -
           static_cast<double>(ws.logdet_(i));
  const double loss = sum / static_cast<double>(n) + kLog2Pi;

  grad.resize(paramCount());
  grad.setZero();
  const float invN = 1.0f / static_cast<float>(n);
  Points& g = ws.grad_;
  g = z * invN;  // ∂L/∂z

  // Back through A⁻¹: z = (v − β)·e^{−α}; ld ∋ −α₀ − α₁, so L ∋ α₀ + α₁ and ∂L/∂α_d has a +1.
  for (int d = 0; d < 2; ++d) {
    const float e = std::exp(-theta[d]);
    grad(d) = 1.0f - g.row(d).dot(z.row(d));
    grad(2 + d) = -e * g.row(d).sum();
    g.row(d) *= e;
  }

  // Back through the couplings in forward order (the inverse ran them K−1 … 0).
  const Eigen::Index p = mlp_.paramCount();
  for (int k = 0; k < couplings_; ++k) {
    if (k > 0) rotate(g, rotCos_, rotSin_);  // the inverse applied Rᵀ after coupling k: g ← R g
    const int a = k % 2, b = 1 - a;
    auto& c = ws.coupling_[k];
    // u_b = (y_b − τ)·e^{−s}, ld ∋ −s:
    //   ∂L/∂τ = −g_b e^{−s},  ∂L/∂s = −g_b u_b + 1/N,  ∂L/∂σ = ∂L/∂s · (1 − (s/S)²),
    //   ∂L/∂y_b = g_b e^{−s},  ∂L/∂y_a = g_a + (∂h/∂y_a)ᵀ ∂L/∂(σ, τ).
    auto gb = g.row(b).array();
    const auto e = (-c.s.array()).exp();
    const auto sOverS = c.s.array() / kScaleBound;
    ws.dRaw_.row(0) = ((invN - gb * c.out.array()) * (1.0f - sOverS * sOverS)).matrix();
    ws.dRaw_.row(1) = (-gb * e).matrix();
    g.row(b) = (gb * e).matrix();
    mlp_.backward(theta + conditionerOffset(k), ws.dRaw_, grad.segment(conditionerOffset(k), p),
                  &ws.dCond_, c.mlp);
    g.row(a) += ws.dCond_.row(0);
  }
  return loss;
}

}  // namespace flowlab::core
