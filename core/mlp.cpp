// The velocity MLP: forward pass, reverse mode, forward mode and the exact divergence, on batches.
//
// Notation (per linear layer l, batch of B columns): z_l = W_l a_{l−1} + b_l, a_l = σ(z_l) for
// hidden layers, y = z_L. Tangents ż, ȧ follow the same layers without the bias. A workspace
// stores, per hidden layer, one matrix [a | ȧ¹ … ȧᵀ] (T tangents side by side, B columns each),
// σ'(z), and σ''(z)⊙żᵏ for the reverse sweeps; a reverse sweep then needs one GEMM for ∂L/∂W
// and one for the adjoint over all (1+T)·B columns. Products are Eigen GEMMs with .noalias()
// into preallocated storage (they take ~75% of the time); σ, σ' and σ'' are one fused SIMD pass
// with a single exp, which also advances the tangents.
#include "core/mlp.hpp"

#include "core/activation_kernels.hpp"
#include "core/dense_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::core {

namespace {

using Eigen::Index;
using ConstMatMap = Eigen::Map<const MatrixF>;
using MatMap = Eigen::Map<MatrixF>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;
using VecMap = Eigen::Map<Eigen::VectorXf>;
using ConstArrMap = Eigen::Map<const Eigen::ArrayXf>;

constexpr double kTwoPi = 6.283185307179586476925286766559;

// ---- Parameter layout -------------------------------------------------------------------------

// Linear layer l (0 = first hidden layer, config.layers = output layer): W_l is out×in at
// `offset` in θ, column-major, and b_l (out) follows it.
struct LayerShape {
  Index in, out, offset;
  Index biasOffset() const { return offset + out * in; }
};

LayerShape layerShape(const MlpConfig& c, int l) {
  const Index h = c.hidden, inW = c.inputWidth();
  const Index first = inW * h + h, inner = h * h + h;
  if (l == 0) return {inW, h, 0};
  if (l < c.layers) return {h, h, first + (l - 1) * inner};
  return {h, c.outDim, first + (c.layers - 1) * inner};
}

ConstMatMap weights(const float* theta, const LayerShape& s) {
  return ConstMatMap(theta + s.offset, s.out, s.in);
}
ConstVecMap bias(const float* theta, const LayerShape& s) {
  return ConstVecMap(theta + s.biasOffset(), s.out);
}
MatMap weightGrad(Eigen::Ref<ParamVec>& grad, const LayerShape& s) {
  return MatMap(grad.data() + s.offset, s.out, s.in);
}
VecMap biasGrad(Eigen::Ref<ParamVec>& grad, const LayerShape& s) {
  return VecMap(grad.data() + s.biasOffset(), s.out);
}

// ---- Activations: σ, σ', σ'' in one SIMD pass ------------------------------------------------

using namespace detail;  // Packet, kLanes, the activation kernels
constexpr int kMaxTangents = 2;  // jvp: 1; divergence/jacobian: inDim = 2

// Where one activation pass reads and writes. z (n floats) becomes σ(z); d ← σ'(z);
// dd ← σ''(z) if non-null. For each of T tangents, tangent[k] holds żᵏ and becomes σ'⊙żᵏ, and
// curve[k] ← σ''⊙żᵏ (what the reverse sweep over the tangent needs).
struct ActivationIo {
  float* z;
  float* d;
  float* dd = nullptr;
  int tangents = 0;
  float* tangent[kMaxTangents] = {};
  float* curve[kMaxTangents] = {};
};

template <typename Kernel, int T, bool kSecond>
EIGEN_ALWAYS_INLINE void activatePacket(const ActivationIo& io, Index i, float* const* tangent,
                                        float* const* curve) {
  Packet h, d, dd;
  Kernel::eval(pk::ploadu<Packet>(io.z + i), h, d, dd);
  pk::pstoreu(io.z + i, h);
  pk::pstoreu(io.d + i, d);
  if constexpr (kSecond) pk::pstoreu(io.dd + i, dd);
  for (int k = 0; k < T; ++k) {
    const Packet zk = pk::ploadu<Packet>(tangent[k] + i);
    pk::pstoreu(curve[k] + i, pk::pmul(dd, zk));
    pk::pstoreu(tangent[k] + i, pk::pmul(d, zk));
  }
}

// One pass over n entries. The tail shorter than a packet goes through the same code on a
// padded copy, so a value never depends on its position in the batch.
template <typename Kernel, int T, bool kSecond>
void activateRange(const ActivationIo& io, Index n) {
  Index i = 0;
  for (; i + kLanes <= n; i += kLanes) activatePacket<Kernel, T, kSecond>(io, i, io.tangent, io.curve);
  if (i == n) return;
  const Index m = n - i;
  constexpr int kArrays = 3 + 2 * kMaxTangents;
  alignas(64) float buf[kArrays][kLanes] = {};
  float* tangent[kMaxTangents] = {buf[3], buf[4]};
  float* curve[kMaxTangents] = {buf[5], buf[6]};
  std::copy(io.z + i, io.z + n, buf[0]);
  for (int k = 0; k < T; ++k) std::copy(io.tangent[k] + i, io.tangent[k] + n, tangent[k]);
  const ActivationIo padded{buf[0], buf[1], buf[2], T, {}, {}};
  activatePacket<Kernel, T, kSecond>(padded, 0, tangent, curve);
  std::copy(buf[0], buf[0] + m, io.z + i);
  std::copy(buf[1], buf[1] + m, io.d + i);
  if constexpr (kSecond) std::copy(buf[2], buf[2] + m, io.dd + i);
  for (int k = 0; k < T; ++k) {
    std::copy(tangent[k], tangent[k] + m, io.tangent[k] + i);
    std::copy(curve[k], curve[k] + m, io.curve[k] + i);
  }
}

template <typename Kernel>
void activateWith(const ActivationIo& io, Index n) {
  if (io.tangents == 0) {
    if (io.dd != nullptr)
      activateRange<Kernel, 0, true>(io, n);
    else
      activateRange<Kernel, 0, false>(io, n);
  } else if (io.tangents == 1) {
    activateRange<Kernel, 1, false>(io, n);
  } else {
    activateRange<Kernel, 2, false>(io, n);
  }
}

void activate(Activation a, const ActivationIo& io, Index n) {
  switch (a) {
    case Activation::Tanh: return activateWith<TanhKernel>(io, n);
    case Activation::SiLU: return activateWith<SiluKernel>(io, n);
    case Activation::SELU: return activateWith<SeluKernel>(io, n);
    case Activation::Softplus: return activateWith<SoftplusKernel>(io, n);
  }
}

// g ← g ⊙ s column by column and sum += Σ_j g_j (the bias adjoint) in the same pass.
void scaleColumnsAndSum(float* g, const float* s, Index rows, Index cols, VecMap sum) {
  for (Index j = 0; j < cols; ++j) {
    VecMap gj(g + j * rows, rows);
    gj.array() *= ConstArrMap(s + j * rows, rows);
    sum += gj;
  }
}

template <typename Derived>
void addColumnSums(const Eigen::MatrixBase<Derived>& m, VecMap sum) {
  for (Index j = 0; j < m.cols(); ++j) sum += m.col(j);
}

enum class Tangents { None, Given, Basis };  // no tangent; one tangent u; e₀ … e_{inDim−1}
enum class Cached { Nothing, Primal, Given, Basis };

}  // namespace

// ---- Workspace ---------------------------------------------------------------------------------

struct MlpWorkspace::Impl {
  MlpConfig config;              // the shape the buffers below were sized for
  Index batch = -1;              // B
  int tangentCapacity = -1;      // largest T the buffers hold
  Cached cached = Cached::Nothing;
  MatrixF input;                 // inputWidth × B: [x; t; sin(2πkt), cos(2πkt) …]
  PointRow row;                  // 1×B: contiguous scratch (Fourier rows, output rows)
  MatrixF tangentIn;             // inDim × B: u of the last jvp()
  std::vector<MatrixF> act;      // per hidden layer, hidden × (1+T)B: [a | ȧ¹ … ȧᵀ]
  std::vector<MatrixF> slope;    // per hidden layer, hidden × B: σ'(z)
  std::vector<MatrixF> curve;    // per hidden layer, hidden × T·B: σ''(z) ⊙ żᵏ
  MatrixF second;                // hidden × B: σ''(z) of the layer being evaluated
  MatrixF adjA, adjB;            // hidden × (1+T)B: adjoints of the sweep (ping-pong)
  Eigen::VectorXf column;        // hidden: scratch for one weight row or a GEMV result
  MatrixF outT;                  // hidden × outDim: the output layer's Wᵀ
  MatrixF transposed;            // hidden × hidden: a hidden layer's Wᵀ for the reverse sweep

  // Sizes the buffers for batch B and T tangents; allocates only when B, the shape or a larger
  // T is seen.
  void prepare(const MlpConfig& c, Index b, int tangents) {
    const Index h = c.hidden;
    if (!(config == c) || batch != b) {
      config = c;
      batch = b;
      tangentCapacity = -1;
      input.resize(c.inputWidth(), b);
      row.resize(b);
      act.resize(c.layers);
      slope.resize(c.layers);
      curve.resize(c.layers);
      for (MatrixF& s : slope) s.resize(h, b);
      column.resize(h);
      outT.resize(h, c.outDim);
      transposed.resize(h, h);
    }
    if (tangents > tangentCapacity) {
      for (MatrixF& a : act) a.resize(h, (1 + tangents) * b);
      for (MatrixF& p : curve) p.resize(h, tangents * b);
      second.resize(h, tangents > 0 ? b : 0);
      adjA.resize(h, (1 + tangents) * b);
      adjB.resize(h, (1 + tangents) * b);
      tangentIn.resize(c.inDim, tangents > 0 ? b : 0);
      tangentCapacity = tangents;
    }
    cached = Cached::Nothing;
  }
};

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

// ---- Shared sweeps -------------------------------------------------------------------------------

namespace {

void checkBatch(const MlpConfig& c, const Eigen::Ref<const MatrixF>& x,
                const Eigen::Ref<const PointRow>& t, const char* who) {
  if (x.rows() != c.inDim)
    throw std::invalid_argument(std::string(who) + ": x has " + std::to_string(x.rows()) +
                                " rows, expected inDim = " + std::to_string(c.inDim));
  if (c.timeInput && t.cols() != x.cols())
    throw std::invalid_argument(std::string(who) + ": t has " + std::to_string(t.cols()) +
                                " columns, x has " + std::to_string(x.cols()));
}

void checkGrad(Index size, Index paramCount, const char* who) {
  if (size != paramCount)
    throw std::invalid_argument(std::string(who) + ": grad has " + std::to_string(size) +
                                " entries, expected " + std::to_string(paramCount));
}

void checkAdjoint(Index rows, Index cols, Index wantRows, Index wantCols, const char* who) {
  if (rows != wantRows || cols != wantCols)
    throw std::invalid_argument(std::string(who) + ": adjoint is " + std::to_string(rows) + "×" +
                                std::to_string(cols) + ", expected " + std::to_string(wantRows) +
                                "×" + std::to_string(wantCols));
}

void requireTwoD(const MlpConfig& c, const char* who) {
  if (c.inDim != 2 || c.outDim != 2)
    throw std::invalid_argument(std::string(who) + " requires inDim == outDim == 2");
}

// input ← [x; t; sin(2πkt), cos(2πkt) for k = 1..F]
void buildInput(const MlpConfig& c, const Eigen::Ref<const MatrixF>& x,
                const Eigen::Ref<const PointRow>& t, MlpWorkspace::Impl& w) {
  w.input.topRows(c.inDim) = x;
  if (!c.timeInput) return;
  w.input.row(c.inDim) = t;
  for (int k = 1; k <= c.fourierFrequencies; ++k) {
    // Vectorised sin/cos into a contiguous row, then one strided copy into the input.
    const float omega = static_cast<float>(kTwoPi * k);
    w.row.array() = (omega * t.array()).sin();
    w.input.row(c.inDim + 2 * k - 1) = w.row;
    w.row.array() = (omega * t.array()).cos();
    w.input.row(c.inDim + 2 * k) = w.row;
  }
}

// Columns per pass through the hidden layers: one chunk's activations (hidden × 512 floats per
// layer and tangent) stay in L2 from one layer's GEMM to the next, where a whole large batch
// (e.g. 10⁴ points for a sampling view) would stream through L3 at every layer.
constexpr Index kColumnChunk = 512;

// Hidden layers for the primal and T tangents on columns [j0, j0 + n) of the batch, for any
// width, through Eigen's GEMMs and one activation pass. On return
// w.act[l] = [a | ȧ¹ … ȧᵀ], w.slope[l] = σ'(z) and, when T > 0, w.curve[l] = [σ''⊙ż¹ …].
void runHiddenColumnsGeneral(const MlpConfig& c, const float* theta, Tangents mode, Index j0, Index n,
                      MlpWorkspace::Impl& w) {
  const Index B = w.batch, h = c.hidden;
  const int T = mode == Tangents::None ? 0 : (mode == Tangents::Given ? 1 : c.inDim);
  for (int l = 0; l < c.layers; ++l) {
    const LayerShape s = layerShape(c, l);
    const ConstMatMap W = weights(theta, s);
    const ConstVecMap b = bias(theta, s);
    MatrixF& A = w.act[l];
    auto primal = A.middleCols(j0, n);
    for (Index j = 0; j < n; ++j) primal.col(j) = b;  // GEMM accumulates onto the bias
    if (l == 0) {
      primal.noalias() += W * w.input.middleCols(j0, n);
      if (mode == Tangents::Given)
        A.middleCols(B + j0, n).noalias() = W.leftCols(c.inDim) * w.tangentIn.middleCols(j0, n);
    } else {
      const MatrixF& prev = w.act[l - 1];
      primal.noalias() += W * prev.middleCols(j0, n);
      for (int k = 0; k < T; ++k)
        A.middleCols((1 + k) * B + j0, n).noalias() = W * prev.middleCols((1 + k) * B + j0, n);
    }
    // The first layer's basis tangents are columns of W₁, the same for every point: activate
    // the primal alone (keeping σ'') and broadcast below. Otherwise the tangents ride along.
    const bool broadcastBasis = l == 0 && mode == Tangents::Basis;
    ActivationIo io{A.data() + j0 * h, w.slope[l].data() + j0 * h};
    if (broadcastBasis) {
      io.dd = w.second.data() + j0 * h;
    } else {
      io.tangents = T;
      for (int k = 0; k < T; ++k) {
        io.tangent[k] = A.data() + ((1 + k) * B + j0) * h;
        io.curve[k] = w.curve[l].data() + (k * B + j0) * h;
      }
    }
    activate(c.activation, io, h * n);
    if (!broadcastBasis) continue;

    const auto slope = w.slope[l].middleCols(j0, n).array();
    const auto second = w.second.middleCols(j0, n).array();
    for (int k = 0; k < T; ++k) {
      // ż¹ = W₁ e_k is column k of W₁ for every point: no GEMM, just a broadcast.
      const auto wk = W.col(k).array();
      A.middleCols((1 + k) * B + j0, n).array() = slope.colwise() * wk;
      w.curve[l].middleCols(k * B + j0, n).array() = second.colwise() * wk;
    }
  }
}

// Where chunk columns live in the per-layer buffers. Cached (for a reverse sweep): tangent k of
// batch column j at k·B + j, as the header of Impl says. Local (inference): every chunk reuses
// the first columns, tangent k at k·block, so a chunk's working set stays in L1/L2 however
// large the batch.
struct ColumnLayout {
  Index block;  // B (cached) or the chunk width (local)
  bool local;
  Index at(int k, Index j0) const { return k * block + (local ? 0 : j0); }
};

// Hidden layers for the primal and T tangents on columns [j0, j0 + n) of the batch, through the
// fused dense kernels (hidden width a multiple of the SIMD width). Same results as
// runHiddenColumnsGeneral up to the order of the sums. keepSlope = false (T = 0 only) skips σ'.
void runHiddenColumnsFused(const MlpConfig& c, const float* theta, Tangents mode, Index j0,
                           Index n, bool keepSlope, const ColumnLayout& lay,
                           MlpWorkspace::Impl& w) {
  const Index h = c.hidden, inW = c.inputWidth();
  const int T = mode == Tangents::None ? 0 : (mode == Tangents::Given ? 1 : c.inDim);
  const Index here = lay.at(0, j0) * h;  // this chunk's primal, σ' and σ'' columns
  float* second = T > 0 ? w.second.data() + here : nullptr;
  for (int l = 0; l < c.layers; ++l) {
    const LayerShape s = layerShape(c, l);
    const DenseLayer layer{theta + s.offset, theta + s.biasOffset(), s.out, s.in, s.out};
    float* act = w.act[l].data();
    float* slope = keepSlope ? w.slope[l].data() + here : nullptr;
    const float* in = l == 0 ? w.input.data() + j0 * inW : w.act[l - 1].data() + here;
    denseActivate(c.activation, layer, in, l == 0 ? inW : h, n, act + here, slope, second);
    if (T == 0) continue;

    float* tangentOut[kMaxTangents];
    float* curveOut[kMaxTangents];
    for (int k = 0; k < T; ++k) {
      tangentOut[k] = act + lay.at(1 + k, j0) * h;
      curveOut[k] = w.curve[l].data() + lay.at(k, j0) * h;
    }
    if (l == 0 && mode == Tangents::Basis) {
      // ż¹ = W₁ e_k is column k of W₁ for every point: no product, just a broadcast.
      const ConstMatMap W = weights(theta, s);
      const auto slopeArr = ConstMatMap(slope, h, n).array();
      const auto secondArr = ConstMatMap(second, h, n).array();
      for (int k = 0; k < T; ++k) {
        const auto wk = W.col(k).array();
        MatMap(tangentOut[k], h, n).array() = slopeArr.colwise() * wk;
        MatMap(curveOut[k], h, n).array() = secondArr.colwise() * wk;
      }
    } else if (l == 0) {
      // The input tangent u meets only the spatial columns of W₁.
      const DenseLayer spatial{layer.W, nullptr, h, c.inDim, h};
      denseTangent(spatial, w.tangentIn.data() + j0 * c.inDim, c.inDim, n, slope, second,
                   tangentOut[0], curveOut[0]);
    } else {
      const DenseLayer linear{layer.W, nullptr, h, h, h};
      for (int k = 0; k < T; ++k)
        denseTangent(linear, w.act[l - 1].data() + lay.at(1 + k, j0) * h, h, n, slope, second,
                     tangentOut[k], curveOut[k]);
    }
  }
}

// All hidden layers on the whole batch, chunk by chunk, calling head(j0, n, layout) after each
// chunk so the output layer reads the last hidden layer while it is still in cache. local = true
// (inference: nothing kept for a reverse sweep, T = 0 also skips σ') when the fused kernels take
// the width; the general path always uses the cached layout.
template <typename Head>
void runHidden(const MlpConfig& c, const float* theta, Tangents mode, MlpWorkspace::Impl& w,
               bool local, Head&& head) {
  const bool fused = denseKernelTakes(c.hidden);
  const ColumnLayout cached{w.batch, false};
  const ColumnLayout inChunk{std::min(kColumnChunk, w.batch), true};
  for (Index j0 = 0; j0 < w.batch; j0 += kColumnChunk) {
    const Index n = std::min(kColumnChunk, w.batch - j0);
    if (fused) {
      const ColumnLayout& lay = local ? inChunk : cached;
      runHiddenColumnsFused(c, theta, mode, j0, n, !local || mode != Tangents::None, lay, w);
      head(j0, n, lay);
    } else {
      runHiddenColumnsGeneral(c, theta, mode, j0, n, w);
      head(j0, n, cached);
    }
  }
}

// Reverse sweep through the hidden layers for T tangents (T = 0: plain backprop). On entry
// w.adjA holds ∂L/∂[a | ȧ¹ … ȧᵀ] of the last hidden layer (or, with topThroughSigma, already
// ∂L/∂z of that layer, its bias gradient accumulated). Accumulates ∂L/∂θ of every hidden
// layer's W and b, and writes ∂L/∂x when dx is non-null.
void sweepHidden(const MlpConfig& c, const float* theta, Tangents mode, Eigen::Ref<ParamVec>& grad,
                 MatrixF* dx, MlpWorkspace::Impl& w, bool topThroughSigma = false) {
  const Index B = w.batch, h = c.hidden;
  const int T = mode == Tangents::None ? 0 : (mode == Tangents::Given ? 1 : c.inDim);
  const Index cols = (1 + T) * B;
  MatrixF* adj = &w.adjA;
  MatrixF* next = &w.adjB;
  for (int l = c.layers - 1; l >= 0; --l) {
    const LayerShape s = layerShape(c, l);
    MatMap dW = weightGrad(grad, s);
    VecMap db = biasGrad(grad, s);

    // Through σ, one column at a time, with the bias adjoint db += Σ_j ḡ_j in the same pass:
    // ḡ = σ'⊙ḡ_a + Σ_k σ''⊙żᵏ⊙ḡ_ȧᵏ for the primal, ġᵏ = σ'⊙ḡ_ȧᵏ for tangent k.
    if (topThroughSigma && l == c.layers - 1) {
      // The caller already took the top layer's adjoint through σ and into db.
    } else if (T == 0) {
      scaleColumnsAndSum(adj->data(), w.slope[l].data(), h, B, db);
    } else {
      for (Index j = 0; j < B; ++j) {
        const auto slope = w.slope[l].col(j).array();
        auto g0 = adj->col(j).array();
        g0 *= slope;
        for (int k = 0; k < T; ++k) {
          auto gk = adj->col((1 + k) * B + j).array();
          g0 += w.curve[l].col(k * B + j).array() * gk;
          gk *= slope;
        }
        db += adj->col(j);
      }
    }

    const ConstMatMap W = weights(theta, s);
    if (l > 0) {
      const MatrixF& prev = w.act[l - 1];
      if (denseKernelTakes(h)) {
        denseOuterAccumulate(adj->data(), h, h, prev.data(), h, h, cols, dW.data(), h);
        w.transposed = W.transpose();
        const DenseLayer wt{w.transposed.data(), nullptr, h, h, h};
        denseProduct(wt, adj->data(), h, cols, next->data());
      } else {
        dW.noalias() += adj->leftCols(cols) * prev.leftCols(cols).transpose();
        next->leftCols(cols).noalias() = W.transpose() * adj->leftCols(cols);
      }
      std::swap(adj, next);
      continue;
    }
    // First layer: its input is [x; t; …] for the primal and the input tangent for the rest.
    dW.noalias() += adj->leftCols(B) * w.input.transpose();
    if (mode == Tangents::Given) {
      dW.leftCols(c.inDim).noalias() += adj->middleCols(B, B) * w.tangentIn.transpose();
    } else if (mode == Tangents::Basis) {
      for (int k = 0; k < T; ++k) addColumnSums(adj->middleCols((1 + k) * B, B), VecMap(&dW(0, k), h));
    }
    if (dx != nullptr) {
      dx->resize(c.inDim, B);
      dx->noalias() = W.leftCols(c.inDim).transpose() * adj->leftCols(B);
    }
  }
}

// y = W a + b for the output layer on batch columns [j0, j0 + n), reading the last hidden layer
// where `lay` put them. It has outDim (2) rows, where one GEMV per row is about twice as fast as
// a GEMM.
void outputColumns(const MlpConfig& c, const float* theta, MatrixF& y, Index j0, Index n,
                   const ColumnLayout& lay, MlpWorkspace::Impl& w) {
  const LayerShape s = layerShape(c, c.layers);
  const ConstMatMap W = weights(theta, s);
  const ConstVecMap b = bias(theta, s);
  const auto last = w.act[c.layers - 1].middleCols(lay.at(0, j0), n);
  for (Index o = 0; o < c.outDim; ++o) {
    w.column = W.row(o).transpose();
    w.row.head(n).noalias() = w.column.transpose() * last;
    y.row(o).segment(j0, n) = (w.row.head(n).array() + b(o)).matrix();
  }
}

// div = Σ_k ∂f_k/∂x_k = Σ_k W_out[k, :] · ȧᵏ on batch columns [j0, j0 + n): one row of the
// output layer per basis tangent.
void divergenceColumns(const MlpConfig& c, const float* theta, PointRow& div, Index j0, Index n,
                       const ColumnLayout& lay, MlpWorkspace::Impl& w) {
  const ConstMatMap W = weights(theta, layerShape(c, c.layers));
  const MatrixF& last = w.act[c.layers - 1];
  auto out = div.segment(j0, n);
  for (int k = 0; k < c.inDim; ++k) {
    w.column = W.row(k).transpose();
    if (k == 0)
      out.noalias() = w.column.transpose() * last.middleCols(lay.at(1 + k, j0), n);
    else
      out.noalias() += w.column.transpose() * last.middleCols(lay.at(1 + k, j0), n);
  }
}

}  // namespace

// ---- Public evaluations -------------------------------------------------------------------------

void Mlp::forward(const float* theta, const Eigen::Ref<const MatrixF>& x,
                  const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::forward");
  MlpWorkspace::Impl& w = ws.impl();
  const Index B = x.cols();
  w.prepare(config_, B, 0);
  buildInput(config_, x, t, w);
  y.resize(config_.outDim, B);
  runHidden(config_, theta, Tangents::None, w, false /*cached*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(config_, theta, y, j0, n, lay, w);
            });
  w.cached = Cached::Primal;
}

void Mlp::evaluate(const float* theta, const Eigen::Ref<const MatrixF>& x,
                   const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::evaluate");
  MlpWorkspace::Impl& w = ws.impl();
  w.prepare(config_, x.cols(), 0);
  buildInput(config_, x, t, w);
  y.resize(config_.outDim, x.cols());
  runHidden(config_, theta, Tangents::None, w, true /*local*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(config_, theta, y, j0, n, lay, w);
            });
}

void Mlp::backward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                   Eigen::Ref<ParamVec> grad, MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached == Cached::Nothing || !(w.config == config_))
    throw std::logic_error("Mlp::backward: no evaluation of this network cached in the workspace");
  const Index B = w.batch;
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, B, "Mlp::backward");
  checkGrad(grad.size(), paramCount_, "Mlp::backward");

  // Output layer y = W a + b, one row (GEMV) at a time as in forward.
  const Index outDim = config_.outDim;
  const LayerShape s = layerShape(config_, config_.layers);
  const ConstMatMap W = weights(theta, s);
  const auto last = w.act[config_.layers - 1].leftCols(B);
  MatMap dW = weightGrad(grad, s);
  VecMap dbOut = biasGrad(grad, s);
  for (Index o = 0; o < outDim; ++o) {
    w.row = dy.row(o);
    w.column.noalias() = last * w.row.transpose();
    dW.row(o) += w.column.transpose();
    dbOut(o) += w.row.sum();
    w.outT.col(o) = W.row(o).transpose();
  }
  // Top hidden layer: ḡ = σ'(z) ⊙ Wᵀdy column by column, its bias gradient in the same pass
  // (cheaper than a GEMM with inner dimension outDim followed by a separate sweep).
  VecMap dbTop = biasGrad(grad, layerShape(config_, config_.layers - 1));
  const MatrixF& slope = w.slope[config_.layers - 1];
  for (Index j = 0; j < B; ++j) {
    auto g = w.adjA.col(j);
    g = w.outT.col(0) * dy(0, j);
    for (Index o = 1; o < outDim; ++o) g += w.outT.col(o) * dy(o, j);
    g.array() *= slope.col(j).array();
    dbTop += g;
  }
  sweepHidden(config_, theta, Tangents::None, grad, dx, w, true);
}

void Mlp::jvp(const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, const Eigen::Ref<const MatrixF>& u, MatrixF& y,
              MatrixF& yDot, MlpWorkspace& ws) const {
  checkBatch(config_, x, t, "Mlp::jvp");
  checkAdjoint(u.rows(), u.cols(), config_.inDim, x.cols(), "Mlp::jvp (tangent u)");
  MlpWorkspace::Impl& w = ws.impl();
  const Index B = x.cols();
  w.prepare(config_, B, 1);
  buildInput(config_, x, t, w);
  w.tangentIn.leftCols(B) = u;
  y.resize(config_.outDim, B);
  runHidden(config_, theta, Tangents::Given, w, false /*cached*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(config_, theta, y, j0, n, lay, w);
            });
  yDot.resize(config_.outDim, B);
  yDot.noalias() = weights(theta, layerShape(config_, config_.layers)) *
                   w.act[config_.layers - 1].middleCols(B, B);
  w.cached = Cached::Given;
}

void Mlp::jvpBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                      const Eigen::Ref<const MatrixF>& dyDot, Eigen::Ref<ParamVec> grad,
                      MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached != Cached::Given || !(w.config == config_))
    throw std::logic_error("Mlp::jvpBackward: call jvp() on this workspace first");
  const Index B = w.batch;
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, B, "Mlp::jvpBackward (dy)");
  checkAdjoint(dyDot.rows(), dyDot.cols(), config_.outDim, B, "Mlp::jvpBackward (dyDot)");
  checkGrad(grad.size(), paramCount_, "Mlp::jvpBackward");

  // Output layer: y = W a + b, ẏ = W ȧ.
  const LayerShape s = layerShape(config_, config_.layers);
  const ConstMatMap W = weights(theta, s);
  const MatrixF& last = w.act[config_.layers - 1];
  MatMap dW = weightGrad(grad, s);
  dW.noalias() += dy * last.leftCols(B).transpose();
  dW.noalias() += dyDot * last.middleCols(B, B).transpose();
  addColumnSums(dy, biasGrad(grad, s));
  w.adjA.leftCols(B).noalias() = W.transpose() * dy;
  w.adjA.middleCols(B, B).noalias() = W.transpose() * dyDot;
  sweepHidden(config_, theta, Tangents::Given, grad, dx, w);
}

namespace {

// Forward pass with the two basis tangents e₀, e₁, for divergence, jacobian and
// evaluateDivergence: y and, when div is non-null, the divergence, chunk by chunk. local = true
// keeps nothing for a reverse sweep.
void basisForward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
                  const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow* div, bool local,
                  MlpWorkspace::Impl& w) {
  const Index B = x.cols();
  w.prepare(c, B, c.inDim);
  buildInput(c, x, t, w);
  y.resize(c.outDim, B);
  if (div) div->resize(B);
  runHidden(c, theta, Tangents::Basis, w, local, [&](Index j0, Index n, const ColumnLayout& lay) {
    outputColumns(c, theta, y, j0, n, lay, w);
    if (div) divergenceColumns(c, theta, *div, j0, n, lay, w);
  });
  w.cached = local ? Cached::Nothing : Cached::Basis;
}

}  // namespace

void Mlp::divergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                     const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                     MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::divergence");
  checkBatch(config_, x, t, "Mlp::divergence");
  basisForward(config_, theta, x, t, y, &div, false, ws.impl());
}

void Mlp::evaluateDivergence(const float* theta, const Eigen::Ref<const MatrixF>& x,
                             const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow& div,
                             MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::evaluateDivergence");
  checkBatch(config_, x, t, "Mlp::evaluateDivergence");
  basisForward(config_, theta, x, t, y, &div, true, ws.impl());
}

void Mlp::divergenceBackward(const float* theta, const Eigen::Ref<const MatrixF>& dy,
                             const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec> grad,
                             MatrixF* dx, MlpWorkspace& ws) const {
  MlpWorkspace::Impl& w = ws.impl();
  if (w.cached != Cached::Basis || !(w.config == config_))
    throw std::logic_error("Mlp::divergenceBackward: call divergence() on this workspace first");
  const Index B = w.batch;
  checkAdjoint(dy.rows(), dy.cols(), config_.outDim, B, "Mlp::divergenceBackward (dy)");
  checkAdjoint(ddiv.rows(), ddiv.cols(), 1, B, "Mlp::divergenceBackward (ddiv)");
  checkGrad(grad.size(), paramCount_, "Mlp::divergenceBackward");

  // Output layer: y = W a + b and div = Σ_k W[k, :] ȧᵏ, so ∂L/∂ȧᵏ = W[k, :]ᵀ ddiv and
  // ∂L/∂W[k, :] += ddiv · ȧᵏᵀ.
  const LayerShape s = layerShape(config_, config_.layers);
  const ConstMatMap W = weights(theta, s);
  const MatrixF& last = w.act[config_.layers - 1];
  MatMap dW = weightGrad(grad, s);
  dW.noalias() += dy * last.leftCols(B).transpose();
  addColumnSums(dy, biasGrad(grad, s));
  w.adjA.leftCols(B).noalias() = W.transpose() * dy;
  for (int k = 0; k < config_.inDim; ++k) {
    const auto tangent = last.middleCols((1 + k) * B, B);
    w.column.noalias() = tangent * ddiv.transpose();
    dW.row(k) += w.column.transpose();
    w.column = W.row(k).transpose();
    w.adjA.middleCols((1 + k) * B, B).noalias() = w.column * ddiv;
  }
  sweepHidden(config_, theta, Tangents::Basis, grad, dx, w);
}

void Mlp::jacobian(const float* theta, const Eigen::Ref<const MatrixF>& x,
                   const Eigen::Ref<const PointRow>& t, MatrixF& y, MatrixF& jac,
                   MlpWorkspace& ws) const {
  requireTwoD(config_, "Mlp::jacobian");
  checkBatch(config_, x, t, "Mlp::jacobian");
  MlpWorkspace::Impl& w = ws.impl();
  basisForward(config_, theta, x, t, y, nullptr, false, w);

  // Column k of ∂f/∂x is the output tangent along e_k: rows 2k, 2k+1 of jac.
  const Index B = w.batch;
  const LayerShape s = layerShape(config_, config_.layers);
  const ConstMatMap W = weights(theta, s);
  const MatrixF& last = w.act[config_.layers - 1];
  jac.resize(2 * config_.inDim, B);
  for (int k = 0; k < config_.inDim; ++k)
    jac.middleRows(2 * k, 2).noalias() = W * last.middleCols((1 + k) * B, B);
}

}  // namespace flowlab::core
