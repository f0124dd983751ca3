// The MLP's reverse sweeps after a forward sweep on the same workspace: plain backprop
// (backward), reverse over forward for one tangent (jvpBackward) and for the exact divergence
// (divergenceBackward). Per hidden layer: one SIMD pass through σ (and σ''⊙ż for the tangents,
// recomputed from the cached output for tanh and SELU) that also sums the bias gradient, then
// dW += ḡ·aᵀ and the adjoint Wᵀ·ḡ over all (1+T)·B columns — the dense kernels when the width
// allows, Eigen's GEMMs otherwise.
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

// Where one packet of rows of one batch column lives for the σ pass below: the layer's output
// h and tangents ȧᵏ, the cached σ' and σ''⊙żᵏ (when the kernel cannot recover them from h),
// the adjoints ḡ (primal) and ġᵏ (tangents), and the bias gradient.
struct SigmaRows {
  const float* h;
  const float* slope;
  const float* act[kMaxTangents];
  const float* curve[kMaxTangents];
  float* g0;
  float* g[kMaxTangents];
  float* db;
  float* sum[kMaxTangents];  // Σ_j ġᵏ_j accumulators (the first layer's basis tangents), or null
};

template <typename Kernel, int T>
EIGEN_ALWAYS_INLINE void sigmaPacket(const SigmaRows& p) {
  Packet s, ratio;
  if constexpr (Kernel::kFromOutput) {
    const Packet h = pk::ploadu<Packet>(p.h);
    s = Kernel::slopeFromOutput(h);
    ratio = Kernel::ratioFromOutput(h);
  } else {
    s = pk::ploadu<Packet>(p.slope);
  }
  Packet g0 = pk::pmul(s, pk::ploadu<Packet>(p.g0));
  for (int k = 0; k < T; ++k) {
    const Packet gk = pk::ploadu<Packet>(p.g[k]);
    Packet curve;  // σ''⊙żᵏ = (σ''/σ')⊙ȧᵏ
    if constexpr (Kernel::kFromOutput)
      curve = pk::pmul(ratio, pk::ploadu<Packet>(p.act[k]));
    else
      curve = pk::ploadu<Packet>(p.curve[k]);
    g0 = pk::pmadd(curve, gk, g0);
    const Packet out = pk::pmul(s, gk);
    pk::pstoreu(p.g[k], out);
    if (p.sum[k]) pk::pstoreu(p.sum[k], pk::padd(pk::ploadu<Packet>(p.sum[k]), out));
  }
  pk::pstoreu(p.g0, g0);
  pk::pstoreu(p.db, pk::padd(pk::ploadu<Packet>(p.db), g0));
}

// What the σ pass reads of hidden layer l, looked up once per layer (stores through the
// adjoint pointers would otherwise force the compiler to reload it for every packet).
struct SigmaLayer {
  Index h, B;
  const float* act;    // [a | ȧ¹ … ȧᵀ]
  const float* slope;  // σ' (read unless Kernel::kFromOutput)
  const float* curve;  // σ''⊙żᵏ, or null when recomputed from the output
};

template <typename Kernel, int T>
SigmaLayer sigmaLayer(const MlpWorkspace::Impl& w, int l) {
  return {w.config.hidden, w.batch, w.act[l].data(), w.slope[l].data(),
          T > 0 && !Kernel::kFromOutput ? w.curve[l].data() : nullptr};
}

// Rows [i, i + kLanes) of batch column j for the σ pass: adj and db as given, tangentSums (or
// null) as throughSigmaWith takes them.
template <int T>
EIGEN_ALWAYS_INLINE SigmaRows sigmaRowsAt(const SigmaLayer& L, float* adj, float* db,
                                          float* const* tangentSums, Index j, Index i) {
  const Index h = L.h, B = L.B;
  SigmaRows p{L.act + j * h + i, L.slope + j * h + i, {}, {}, adj + j * h + i, {}, db + i, {}};
  for (int k = 0; k < T; ++k) {
    p.sum[k] = tangentSums ? tangentSums[k] + i : nullptr;
    p.act[k] = L.act + ((1 + k) * B + j) * h + i;
    p.curve[k] = L.curve ? L.curve + (k * B + j) * h + i : nullptr;
    p.g[k] = adj + ((1 + k) * B + j) * h + i;
  }
  return p;
}

// Through σ of hidden layer l, in place on adj = ∂L/∂[a | ȧ¹ … ȧᵀ] (h × (1+T)B), with the bias
// adjoint db += Σ_j ḡ_j in the same pass: ḡ = σ'⊙ḡ_a + Σ_k σ''⊙żᵏ⊙ḡ_ȧᵏ for the primal and
// ġᵏ = σ'⊙ḡ_ȧᵏ for tangent k. σ' and σ''⊙żᵏ come from the layer's cached output
// (Kernel::kFromOutput) or from the cached w.slope and w.curve. With non-null tangentSums[k],
// also tangentSums[k] += Σ_j ġᵏ_j (the first layer's weight gradient for basis tangents).
template <typename Kernel, int T>
void throughSigmaWith(const MlpWorkspace::Impl& w, int l, float* adj, float* db,
                      float* const* tangentSums) {
  const SigmaLayer layer = sigmaLayer<Kernel, T>(w, l);
  const Index h = layer.h, B = layer.B;
  for (Index j = 0; j < B; ++j) {
    auto rowsAt = [&](Index i) { return sigmaRowsAt<T>(layer, adj, db, tangentSums, j, i); };
    Index i = 0;
    for (; i + kLanes <= h; i += kLanes) sigmaPacket<Kernel, T>(rowsAt(i));
    if (i == h) continue;
    // Rows past the last full packet (widths that are no multiple of it): the same code on a
    // padded copy, and back with what it wrote.
    const Index m = h - i;
    const SigmaRows p = rowsAt(i);
    alignas(64) float buf[4 + 4 * kMaxTangents][kLanes] = {};
    SigmaRows q{buf[0], buf[1], {}, {}, buf[2], {}, buf[3], {}};
    auto copy = [m](const float* from, float* to) {
      if (from) std::copy(from, from + m, to);
    };
    copy(p.h, buf[0]);
    if (!Kernel::kFromOutput) copy(p.slope, buf[1]);
    copy(p.g0, buf[2]);
    copy(p.db, buf[3]);
    for (int k = 0; k < T; ++k) {
      q.act[k] = buf[4 + 3 * k];
      q.curve[k] = buf[5 + 3 * k];
      q.g[k] = buf[6 + 3 * k];
      q.sum[k] = p.sum[k] ? buf[4 + 3 * kMaxTangents + k] : nullptr;
      copy(p.act[k], buf[4 + 3 * k]);
      copy(p.curve[k], buf[5 + 3 * k]);
      copy(p.g[k], buf[6 + 3 * k]);
      copy(p.sum[k], buf[4 + 3 * kMaxTangents + k]);
    }
    sigmaPacket<Kernel, T>(q);
    copy(q.g0, p.g0);
    copy(q.db, p.db);
    for (int k = 0; k < T; ++k) {
      copy(q.g[k], p.g[k]);
      copy(q.sum[k], p.sum[k]);
    }
  }
}

void throughSigma(const MlpConfig& c, int T, const MlpWorkspace::Impl& w, int l, float* adj,
                  float* db, float* const* tangentSums = nullptr) {
  withActivationKernel(c.activation, [&](auto kernel) {
    using Kernel = decltype(kernel);
    switch (T) {
      case 0:
        return throughSigmaWith<Kernel, 0>(w, l, adj, db, nullptr);
      case 1:
        return throughSigmaWith<Kernel, 1>(w, l, adj, db, tangentSums);
      default:
        return throughSigmaWith<Kernel, 2>(w, l, adj, db, tangentSums);
    }
  });
}

template <typename Derived>
void addColumnSums(const Eigen::MatrixBase<Derived>& m, VecMap sum) {
  for (Index j = 0; j < m.cols(); ++j) sum += m.col(j);
}

// The output layer's reverse for the exact divergence and the top hidden layer's σ pass, in
// one pass over the top layer's cached [a | ȧ¹ | ȧ²] (2-D, width a multiple of the packet).
// With y = W a + b and div = Σ_k W[k, :]·ȧᵏ: ∂L/∂W[k, :] += dy_k·aᵀ + ddiv·ȧᵏᵀ, ∂L/∂a = Wᵀdy and
// ∂L/∂ȧᵏ = W[k, :]ᵀ ddiv, each packet then taken through σ by sigmaPacket while still in L1.
// Writes w.adjA (post-σ), adds to the output layer's dW and the top layer's db.
template <typename Kernel>
void divergenceTopReverse(const MlpConfig& c, const float* theta,
                          const Eigen::Ref<const MatrixF>& dy,
                          const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec>& grad,
                          MlpWorkspace::Impl& w) {
  const Index h = c.hidden, B = w.batch;
  const LayerShape out = layerShape(c, c.layers);
  const ConstMatMap W = weights(theta, out);
  for (int k = 0; k < 2; ++k) w.outT.col(k) = W.row(k).transpose();  // W[k, :] contiguous
  // ∂L/∂W[k, :] accumulates in outGrad's column k (contiguous), added to dW's row k at the end.
  w.outGrad.setZero();
  const int top = c.layers - 1;
  const SigmaLayer layer = sigmaLayer<Kernel, 2>(w, top);
  const float* act = layer.act;
  float* adj = w.adjA.data();
  float* db = biasGrad(grad, layerShape(c, top)).data();
  const float *w0 = w.outT.data(), *w1 = w.outT.data() + h;
  float *acc0 = w.outGrad.data(), *acc1 = w.outGrad.data() + h;
  for (Index j = 0; j < B; ++j) {
    const Packet dy0 = pk::pset1<Packet>(dy(0, j)), dy1 = pk::pset1<Packet>(dy(1, j));
    const Packet dd = pk::pset1<Packet>(ddiv(j));
    const float* a = act + j * h;
    const float* a1 = act + (B + j) * h;
    const float* a2 = act + (2 * B + j) * h;
    float* g = adj + j * h;
    float* g1 = adj + (B + j) * h;
    float* g2 = adj + (2 * B + j) * h;
    for (Index i = 0; i < h; i += kLanes) {
      const Packet hv = pk::ploadu<Packet>(a + i);
      const Packet t1 = pk::ploadu<Packet>(a1 + i), t2 = pk::ploadu<Packet>(a2 + i);
      pk::pstoreu(acc0 + i, pk::pmadd(dd, t1, pk::pmadd(dy0, hv, pk::ploadu<Packet>(acc0 + i))));
      pk::pstoreu(acc1 + i, pk::pmadd(dd, t2, pk::pmadd(dy1, hv, pk::ploadu<Packet>(acc1 + i))));
      const Packet wk0 = pk::ploadu<Packet>(w0 + i), wk1 = pk::ploadu<Packet>(w1 + i);
      pk::pstoreu(g + i, pk::pmadd(wk1, dy1, pk::pmul(wk0, dy0)));  // ∂L/∂a
      pk::pstoreu(g1 + i, pk::pmul(wk0, dd));                       // ∂L/∂ȧ¹
      pk::pstoreu(g2 + i, pk::pmul(wk1, dd));                       // ∂L/∂ȧ²
      sigmaPacket<Kernel, 2>(sigmaRowsAt<2>(layer, adj, db, nullptr, j, i));
    }
  }
  MatMap dW = weightGrad(grad, out);
  for (int k = 0; k < 2; ++k) dW.row(k) += w.outGrad.col(k).transpose();
}

// Reverse sweep through the hidden layers for T tangents (T = 0: plain backprop). On entry
// w.adjA holds ∂L/∂[a | ȧ¹ … ȧᵀ] of the last hidden layer (with topThroughSigma: already taken
// through that layer's σ, its bias gradient summed). Accumulates ∂L/∂θ of every hidden
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

    // The first layer's basis tangents have input e_k, so the weight gradient of column k is
    // Σ_j ġᵏ_j: summed in the σ pass instead of another pass over ġ.
    float* basisSums[kMaxTangents] = {};
    const bool sumBasis = l == 0 && mode == Tangents::Basis;
    if (sumBasis)
      for (int k = 0; k < T; ++k) basisSums[k] = dW.data() + k * h;
    if (!(topThroughSigma && l == c.layers - 1))
      throughSigma(c, T, w, l, adj->data(), db.data(), sumBasis ? basisSums : nullptr);

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
    if (denseKernelTakes(h))
      denseOuterAccumulate(adj->data(), h, h, w.input.data(), c.inputWidth(), c.inputWidth(), B,
                           dW.data(), h);
    else
      dW.noalias() += adj->leftCols(B) * w.input.transpose();
    if (mode == Tangents::Given) {
      dW.leftCols(c.inDim).noalias() += adj->middleCols(B, B) * w.tangentIn.transpose();
    }  // Basis: summed into dW's first columns by the σ pass above.
    if (dx != nullptr) {
      // One row per input coordinate (a GEMV each): faster than a GEMM with inDim rows.
      dx->resize(c.inDim, B);
      for (int k = 0; k < c.inDim; ++k)
        dx->row(k).noalias() = W.col(k).transpose() * adj->leftCols(B);
    }
  }
}

}  // namespace

// ---- Public reverse sweeps (Mlp's methods after their argument checks) -------------------------

void backward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
              Eigen::Ref<ParamVec> grad, MatrixF* dx, MlpWorkspace::Impl& w) {
  const Index B = w.batch;
  // Output layer y = W a + b, one row (GEMV) at a time as in forward.
  const Index outDim = c.outDim;
  const LayerShape s = layerShape(c, c.layers);
  const ConstMatMap W = weights(theta, s);
  const auto last = w.act[c.layers - 1].leftCols(B);
  MatMap dW = weightGrad(grad, s);
  VecMap dbOut = biasGrad(grad, s);
  for (Index o = 0; o < outDim; ++o) {
    w.row = dy.row(o);
    w.column.noalias() = last * w.row.transpose();
    dW.row(o) += w.column.transpose();
    dbOut(o) += w.row.sum();
    w.outT.col(o) = W.row(o).transpose();
  }
  // ∂L/∂a of the top hidden layer, Wᵀdy, column by column (a GEMM with inner dimension outDim
  // is slower).
  for (Index j = 0; j < B; ++j) {
    auto g = w.adjA.col(j);
    g = w.outT.col(0) * dy(0, j);
    for (Index o = 1; o < outDim; ++o) g += w.outT.col(o) * dy(o, j);
  }
  sweepHidden(c, theta, Tangents::None, grad, dx, w);
}

void jvpBackward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
                 const Eigen::Ref<const MatrixF>& dyDot, Eigen::Ref<ParamVec> grad, MatrixF* dx,
                 MlpWorkspace::Impl& w) {
  const Index B = w.batch;
  // Output layer: y = W a + b, ẏ = W ȧ.
  const LayerShape s = layerShape(c, c.layers);
  const ConstMatMap W = weights(theta, s);
  const MatrixF& last = w.act[c.layers - 1];
  MatMap dW = weightGrad(grad, s);
  dW.noalias() += dy * last.leftCols(B).transpose();
  dW.noalias() += dyDot * last.middleCols(B, B).transpose();
  addColumnSums(dy, biasGrad(grad, s));
  w.adjA.leftCols(B).noalias() = W.transpose() * dy;
  w.adjA.middleCols(B, B).noalias() = W.transpose() * dyDot;
  sweepHidden(c, theta, Tangents::Given, grad, dx, w);
}

void divergenceBackward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
                        const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec> grad,
                        MatrixF* dx, MlpWorkspace::Impl& w) {
  const Index B = w.batch;
  if (denseKernelTakes(c.hidden)) {
    addColumnSums(dy, biasGrad(grad, layerShape(c, c.layers)));
    withActivationKernel(c.activation, [&](auto kernel) {
      divergenceTopReverse<decltype(kernel)>(c, theta, dy, ddiv, grad, w);
    });
    sweepHidden(c, theta, Tangents::Basis, grad, dx, w, true);
    return;
  }

  // Output layer: y = W a + b and div = Σ_k W[k, :] ȧᵏ, so ∂L/∂ȧᵏ = W[k, :]ᵀ ddiv and
  // ∂L/∂W[k, :] += ddiv · ȧᵏᵀ.
  const LayerShape s = layerShape(c, c.layers);
  const ConstMatMap W = weights(theta, s);
  const MatrixF& last = w.act[c.layers - 1];
  MatMap dW = weightGrad(grad, s);
  dW.noalias() += dy * last.leftCols(B).transpose();
  addColumnSums(dy, biasGrad(grad, s));
  w.adjA.leftCols(B).noalias() = W.transpose() * dy;
  for (int k = 0; k < c.inDim; ++k) {
    const auto tangent = last.middleCols((1 + k) * B, B);
    w.column.noalias() = tangent * ddiv.transpose();
    dW.row(k) += w.column.transpose();
    w.column = W.row(k).transpose();
    w.adjA.middleCols((1 + k) * B, B).noalias() = w.column * ddiv;
  }
  sweepHidden(c, theta, Tangents::Basis, grad, dx, w);
}

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
