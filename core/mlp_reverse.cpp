// The MLP's reverse sweeps after a forward sweep on the same workspace: plain backprop
// (backward), reverse over forward for one tangent (jvpBackward) and for the exact divergence
// (divergenceBackward). Per hidden layer: through σ (and σ''⊙ż for the tangents) column by
// column with the bias gradient, then dW += ḡ·aᵀ and the adjoint Wᵀ·ḡ over all (1+T)·B columns
// — fused kernels when the width allows, Eigen's GEMMs otherwise.
#include "core/dense_kernels.hpp"
#include "core/mlp.hpp"
#include "core/mlp_internal.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::core {

namespace {

using namespace mlp_internal;
using namespace detail;  // the dense kernels

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

}  // namespace

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

}  // namespace flowlab::core
