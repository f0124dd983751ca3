// Internals shared by the MLP's files (mlp.cpp, mlp_forward.cpp, mlp_reverse.cpp): the flat
// parameter layout, the workspace's buffers and the argument checks. Include only from those.
//
// Notation (per linear layer l, batch of B columns): z_l = W_l a_{l−1} + b_l, a_l = σ(z_l) for
// hidden layers, y = z_L. Tangents ż, ȧ follow the same layers without the bias. A workspace
// stores, per hidden layer, one matrix [a | ȧ¹ … ȧᵀ] (T tangents side by side, B columns each),
// and, for the reverse sweeps, σ'(z) and σ''(z)⊙żᵏ — except for activations whose derivatives
// are functions of a = σ(z) (tanh, SELU: derivativesFromOutput), which the reverse sweeps
// recompute from a and ȧᵏ instead (the fused path does not even write them).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/nn/mlp.hpp"

namespace flowlab::core::mlp_internal {

using Eigen::Index;
using ConstMatMap = Eigen::Map<const MatrixF>;
using MatMap = Eigen::Map<MatrixF>;
using ConstVecMap = Eigen::Map<const Eigen::VectorXf>;
using VecMap = Eigen::Map<Eigen::VectorXf>;

inline constexpr double kTwoPi = 6.283185307179586476925286766559;

// ---- Parameter layout -------------------------------------------------------------------------

// Linear layer l (0 = first hidden layer, config.layers = output layer): W_l is out×in at
// `offset` in θ, column-major, and b_l (out) follows it.
struct LayerShape {
  Index in, out, offset;
  Index biasOffset() const { return offset + out * in; }
};

inline LayerShape layerShape(const MlpConfig& c, int l) {
  const Index h = c.hidden, inW = c.inputWidth();
  const Index first = inW * h + h, inner = h * h + h;
  if (l == 0) return {inW, h, 0};
  if (l < c.layers) return {h, h, first + (l - 1) * inner};
  return {h, c.outDim, first + (c.layers - 1) * inner};
}

inline ConstMatMap weights(const float* theta, const LayerShape& s) {
  return ConstMatMap(theta + s.offset, s.out, s.in);
}
inline ConstVecMap bias(const float* theta, const LayerShape& s) {
  return ConstVecMap(theta + s.biasOffset(), s.out);
}
inline MatMap weightGrad(Eigen::Ref<ParamVec>& grad, const LayerShape& s) {
  return MatMap(grad.data() + s.offset, s.out, s.in);
}
inline VecMap biasGrad(Eigen::Ref<ParamVec>& grad, const LayerShape& s) {
  return VecMap(grad.data() + s.biasOffset(), s.out);
}

inline constexpr int kMaxTangents = 2;       // jvp: 1; divergence/jacobian: inDim = 2
enum class Tangents { None, Given, Basis };  // no tangent; one tangent u; e₀ … e_{inDim−1}
enum class Cached { Nothing, Primal, Given, Basis };

// ---- Argument checks (one line naming the problem) ---------------------------------------------

inline void checkBatch(const MlpConfig& c, const Eigen::Ref<const MatrixF>& x,
                       const Eigen::Ref<const PointRow>& t, const char* who) {
  if (x.rows() != c.inDim)
    throw std::invalid_argument(std::string(who) + ": x has " + std::to_string(x.rows()) +
                                " rows, expected inDim = " + std::to_string(c.inDim));
  if (c.timeInput && t.cols() != x.cols())
    throw std::invalid_argument(std::string(who) + ": t has " + std::to_string(t.cols()) +
                                " columns, x has " + std::to_string(x.cols()));
}

inline void checkGrad(Index size, Index paramCount, const char* who) {
  if (size != paramCount)
    throw std::invalid_argument(std::string(who) + ": grad has " + std::to_string(size) +
                                " entries, expected " + std::to_string(paramCount));
}

inline void checkAdjoint(Index rows, Index cols, Index wantRows, Index wantCols, const char* who) {
  if (rows != wantRows || cols != wantCols)
    throw std::invalid_argument(std::string(who) + ": adjoint is " + std::to_string(rows) + "×" +
                                std::to_string(cols) + ", expected " + std::to_string(wantRows) +
                                "×" + std::to_string(wantCols));
}

inline void requireTwoD(const MlpConfig& c, const char* who) {
  if (c.inDim != 2 || c.outDim != 2)
    throw std::invalid_argument(std::string(who) + " requires inDim == outDim == 2");
}

}  // namespace flowlab::core::mlp_internal

namespace flowlab::core {

struct MlpWorkspace::Impl {
  using Index = Eigen::Index;
  MlpConfig config;          // the shape the buffers below were sized for
  Index batch = -1;          // B
  int tangentCapacity = -1;  // largest T the buffers hold
  mlp_internal::Cached cached = mlp_internal::Cached::Nothing;
  MatrixF input;               // inputWidth × B: [x; t; sin(2πkt), cos(2πkt) …]
  PointRow row;                // 1×B: contiguous scratch (Fourier rows, output rows)
  MatrixF tangentIn;           // inDim × B: u of the last jvp()
  std::vector<MatrixF> act;    // per hidden layer, hidden × (1+T)B: [a | ȧ¹ … ȧᵀ]
  std::vector<MatrixF> slope;  // per hidden layer, hidden × B: σ'(z)
  std::vector<MatrixF> curve;  // per hidden layer, hidden × T·B: σ''(z) ⊙ żᵏ
  MatrixF second;              // hidden × B: σ''(z) of the layer being evaluated
  MatrixF adjA, adjB;          // hidden × (1+T)B: adjoints of the sweep (ping-pong)
  Eigen::VectorXf column;      // hidden: scratch for one weight row or a GEMV result
  MatrixF outT;                // hidden × outDim: the output layer's Wᵀ
  MatrixF outGrad;             // hidden × outDim: the output layer's weight gradient, transposed
  MatrixF transposed;          // hidden × hidden: a hidden layer's Wᵀ for the reverse sweep

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
      outGrad.resize(h, c.outDim);
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
    cached = mlp_internal::Cached::Nothing;
  }
};

}  // namespace flowlab::core
