// The MLP's sweeps as one kernel set compiles them: Mlp's public methods after their argument
// checks (mlp.cpp checks, then calls these through the active KernelTable; mlp.hpp gives the
// contracts). Compiled once per kernel set: include only from a kernel set's sources.
#pragma once

#include "core/nn/mlp.hpp"

#ifndef FLOWLAB_KERNEL_NS
#error "a kernel set's source: core/CMakeLists.txt compiles it once per set with FLOWLAB_KERNEL_NS"
#endif

namespace flowlab::core::FLOWLAB_KERNEL_NS {

void forward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
             const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace::Impl& w);
void evaluate(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, MatrixF& y, MlpWorkspace::Impl& w);
void jvp(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
         const Eigen::Ref<const PointRow>& t, const Eigen::Ref<const MatrixF>& u, MatrixF& y,
         MatrixF& yDot, MlpWorkspace::Impl& w);
// The primal with the basis tangents e₀, e₁ (divergence, evaluateDivergence, jacobian): y and,
// when div is non-null, the divergence. local = true keeps nothing for a reverse sweep.
void basisForward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
                  const Eigen::Ref<const PointRow>& t, MatrixF& y, PointRow* div, bool local,
                  MlpWorkspace::Impl& w);
void jacobian(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& x,
              const Eigen::Ref<const PointRow>& t, MatrixF& y, MatrixF& jac, MlpWorkspace::Impl& w);

void backward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
              Eigen::Ref<ParamVec> grad, MatrixF* dx, MlpWorkspace::Impl& w);
void jvpBackward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
                 const Eigen::Ref<const MatrixF>& dyDot, Eigen::Ref<ParamVec> grad, MatrixF* dx,
                 MlpWorkspace::Impl& w);
void divergenceBackward(const MlpConfig& c, const float* theta, const Eigen::Ref<const MatrixF>& dy,
                        const Eigen::Ref<const PointRow>& ddiv, Eigen::Ref<ParamVec> grad,
                        MatrixF* dx, MlpWorkspace::Impl& w);

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
