// The MLP's forward sweeps: the primal, one given tangent (jvp) or the basis tangents
// (divergence, jacobian), through the fused dense kernels when the width allows (dense_kernels.hpp)
// and Eigen's GEMMs plus one SIMD activation pass otherwise. Inference entry points (evaluate,
// evaluateDivergence) keep nothing for a reverse sweep and reuse one chunk's worth of buffers.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/nn/activation_kernels.hpp"
#include "core/nn/dense_kernels.hpp"
#include "core/nn/mlp.hpp"
#include "core/nn/mlp_internal.hpp"
#include "core/nn/mlp_sweeps.hpp"

namespace flowlab::core::FLOWLAB_KERNEL_NS {

using namespace mlp_internal;

namespace {

// ---- Activations: σ, σ', σ'' in one SIMD pass ------------------------------------------------

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
  for (; i + kLanes <= n; i += kLanes)
    activatePacket<Kernel, T, kSecond>(io, i, io.tangent, io.curve);
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
    case Activation::Tanh:
      return activateWith<TanhKernel>(io, n);
    case Activation::SiLU:
      return activateWith<SiluKernel>(io, n);
    case Activation::SELU:
      return activateWith<SeluKernel>(io, n);
    case Activation::Softplus:
      return activateWith<SoftplusKernel>(io, n);
  }
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
void runHiddenColumnsGeneral(const MlpConfig& c, const float* theta, Tangents mode, Index j0,
                             Index n, MlpWorkspace::Impl& w) {
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
// An activation that recovers its derivatives from its output (derivativesFromOutput) keeps
// only w.act: no σ', σ'' or curves, and the tangents read σ' off the primal's output.
void runHiddenColumnsFused(const MlpConfig& c, const float* theta, Tangents mode, Index j0, Index n,
                           bool keepSlope, const ColumnLayout& lay, MlpWorkspace::Impl& w) {
  const Index h = c.hidden, inW = c.inputWidth();
  const int T = mode == Tangents::None ? 0 : (mode == Tangents::Given ? 1 : c.inDim);
  const bool fromOutput = derivativesFromOutput(c.activation);
  const Index here = lay.at(0, j0) * h;  // this chunk's primal, σ' and σ'' columns
  // σ''⊙ż (curve) only feeds a reverse sweep: inference (local) skips σ'' and the curves.
  const bool curves = T > 0 && !lay.local && !fromOutput;
  float* second = curves ? w.second.data() + here : nullptr;
  const float one = 1.0f;  // the basis tangent's input, broadcast to every column (ldIn = 0)
  for (int l = 0; l < c.layers; ++l) {
    const LayerShape s = layerShape(c, l);
    const DenseLayer layer{theta + s.offset, theta + s.biasOffset(), s.out, s.in, s.out};
    float* act = w.act[l].data();
    float* slope = keepSlope && !fromOutput ? w.slope[l].data() + here : nullptr;
    const float* in = l == 0 ? w.input.data() + j0 * inW : w.act[l - 1].data() + here;
    denseActivate(c.activation, layer, in, l == 0 ? inW : h, n, act + here, slope, second);
    if (T == 0) continue;

    // Tangent k through this layer: ż = W·in, then σ'⊙ż (and σ''⊙ż when kept).
    auto tangent = [&](int k, const DenseLayer& linear, const float* tin, Index ldIn) {
      float* out = act + lay.at(1 + k, j0) * h;
      if (fromOutput) {
        denseTangentFromOutput(c.activation, linear, tin, ldIn, n, act + here, out);
      } else {
        float* curve = curves ? w.curve[l].data() + lay.at(k, j0) * h : nullptr;
        denseTangent(linear, tin, ldIn, n, slope, second, out, curve);
      }
    };
    if (l == 0 && mode == Tangents::Basis) {
      // ż¹ = W₁ e_k is column k of W₁ for every point: a one-column layer on a broadcast 1.
      for (int k = 0; k < T; ++k)
        tangent(k, DenseLayer{layer.W + k * h, nullptr, h, 1, h}, &one, 0);
    } else if (l == 0) {
      // The input tangent u meets only the spatial columns of W₁.
      tangent(0, DenseLayer{layer.W, nullptr, h, c.inDim, h}, w.tangentIn.data() + j0 * c.inDim,
              c.inDim);
    } else {
      for (int k = 0; k < T; ++k)
        tangent(k, DenseLayer{layer.W, nullptr, h, h, h},
                w.act[l - 1].data() + lay.at(1 + k, j0) * h, h);
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

// ---- Public evaluations (Mlp's methods after their argument checks) -----------------------------

void forward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
             const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace::Impl& w) {
  const Index B = x.cols();
  w.prepare(c, B, 0);
  buildInput(c, x, t, w);
  y.resize(c.outDim, B);
  runHidden(c, theta, Tangents::None, w, false /*cached*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(c, theta, y, j0, n, lay, w);
            });
  w.cached = Cached::Primal;
}

void evaluate(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace::Impl& w) {
  w.prepare(c, x.cols(), 0);
  buildInput(c, x, t, w);
  y.resize(c.outDim, x.cols());
  runHidden(c, theta, Tangents::None, w, true /*local*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(c, theta, y, j0, n, lay, w);
            });
}

void jvp(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
         const Eigen::Ref<const PointRow>& t, const Eigen::Ref<const MatrixF>& u, MatrixF& y,
         MatrixF& yDot, MlpWorkspace::Impl& w) {
  const Index B = x.cols();
  w.prepare(c, B, 1);
  buildInput(c, x, t, w);
  w.tangentIn.leftCols(B) = u;
  y.resize(c.outDim, B);
  runHidden(c, theta, Tangents::Given, w, false /*cached*/,
            [&](Index j0, Index n, const ColumnLayout& lay) {
              outputColumns(c, theta, y, j0, n, lay, w);
            });
  yDot.resize(c.outDim, B);
  yDot.noalias() = weights(theta, layerShape(c, c.layers)) * w.act[c.layers - 1].middleCols(B, B);
  w.cached = Cached::Given;
}

void jacobian(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, MatrixF& y, MatrixF& jac,
              MlpWorkspace::Impl& w) {
  basisForward(c, theta, x, t, y, nullptr, false, w);
  // Column k of ∂f/∂x is the output tangent along e_k: rows 2k, 2k+1 of jac.
  const Index B = w.batch;
  const ConstMatMap W = weights(theta, layerShape(c, c.layers));
  const MatrixF& last = w.act[c.layers - 1];
  jac.resize(2 * c.inDim, B);
  for (int k = 0; k < c.inDim; ++k)
    jac.middleRows(2 * k, 2).noalias() = W * last.middleCols((1 + k) * B, B);
}

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
