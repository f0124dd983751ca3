// Fused dense layers: the MLP's products as register-blocked SIMD kernels whose epilogue adds the
// bias and applies the activation (and its derivatives) to each register tile right after its
// products, while it is still in L1 — one pass over memory per layer instead of a GEMM plus an
// activation pass. Also the reverse sweep's two products (Wᵀ·adjoint and dW += adj·prevᵀ).
//
// Layout (all column-major, one point per column, as in Mlp): W is rows×cols with leading
// dimension `ldW` (≥ rows), `in` is cols×n with leading dimension ldIn, every output is rows×n
// with leading dimension rows. Register tiles are 2 SIMD packets of rows × 6 columns (2×8×6 with
// AVX2), so a layer's weights stay in L1 while the columns stream through.
//
// Compiled once per kernel set (kernel_set.hpp): include only from a kernel set's sources.
// Thread affinity: pure functions on caller-owned memory; any thread.
#pragma once

#include "core/nn/kernel_set.hpp"
#include "core/nn/mlp.hpp"

#ifndef FLOWLAB_KERNEL_NS
#error "a kernel set's source: core/CMakeLists.txt compiles it once per set with FLOWLAB_KERNEL_NS"
#endif

namespace flowlab::core::FLOWLAB_KERNEL_NS {

using detail::DenseLayer;

// True when the fused kernels take a layer with `rows` outputs: a multiple of the SIMD width.
// Otherwise the caller uses its general path.
bool denseKernelTakes(Eigen::Index rows);

// out = σ(W·in + b) on n columns; slope ← σ'(z) and second ← σ''(z) when non-null.
void denseActivate(Activation activation, const DenseLayer& layer, const float* in,
                   Eigen::Index ldIn, Eigen::Index n, float* out, float* slope, float* second);

// A tangent through the same layer: ż = W·in (no bias), out = slope ⊙ ż and, when curve is
// non-null, curve = second ⊙ ż. slope and second are the primal's σ'(z), σ''(z) (rows×n).
void denseTangent(const DenseLayer& layer, const float* in, Eigen::Index ldIn, Eigen::Index n,
                  const float* slope, const float* second, float* out, float* curve);

// The same tangent when the activation recovers σ' from its output (derivativesFromOutput in
// mlp.hpp; throws std::invalid_argument otherwise): out = σ'(h) ⊙ W·in, with h
// the primal's σ(z) (rows×n). A layer of one column and ldIn = 0 broadcasts one input value
// to every column: the first layer's basis tangent W·e_k.
void denseTangentFromOutput(Activation activation, const DenseLayer& layer, const float* in,
                            Eigen::Index ldIn, Eigen::Index n, const float* h, float* out);

// out = W·in on n columns (no bias, no activation): e.g. the reverse sweep's Wᵀ·adjoint with a
// transposed copy of W as `layer`.
void denseProduct(const DenseLayer& layer, const float* in, Eigen::Index ldIn, Eigen::Index n,
                  float* out);

// dW += adj · prevᵀ: the weight gradient of a layer. adj is rows×n (leading dimension ldAdj),
// prev is cols×n (ldPrev), dW is rows×cols (ldDW); rows must satisfy denseKernelTakes.
void denseOuterAccumulate(const float* adj, Eigen::Index ldAdj, Eigen::Index rows,
                          const float* prev, Eigen::Index ldPrev, Eigen::Index cols, Eigen::Index n,
                          float* dW, Eigen::Index ldDW);

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
