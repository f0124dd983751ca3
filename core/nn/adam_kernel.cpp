// Adam's per-parameter update and the gradient's sum of squares, compiled once per kernel set
// (kernel_set.hpp): at ten thousand steps a second the optimizer is a few percent of a
// flow-matching step, so it runs at the set's vector width like the network does.
#include "core/nn/adam_kernel.hpp"

#include <algorithm>

#include "core/nn/adam.hpp"

namespace flowlab::core::FLOWLAB_KERNEL_NS {

namespace {
// Moments and parameters are updated in slices that stay in L1 between the three passes.
constexpr Eigen::Index kSlice = 2048;
}  // namespace

double sumOfSquares(const float* x, Eigen::Index n) {
  return Eigen::Map<const Eigen::VectorXf>(x, n).squaredNorm();
}

void adamUpdate(const AdamCoefficients& c, const float* grad, float* mp, float* vp, float* thetap,
                Eigen::Index n) {
  using Array = Eigen::Map<Eigen::ArrayXf>;
  for (Eigen::Index i = 0; i < n; i += kSlice) {
    const Eigen::Index len = std::min(kSlice, n - i);
    const auto g = c.gScale * Eigen::Map<const Eigen::ArrayXf>(grad + i, len);
    Array m(mp + i, len), v(vp + i, len), th(thetap + i, len);
    m = c.mKeep * m + c.mTake * g;
    v = c.vKeep * v + c.vTake * g.square();
    if (c.decayOn) th *= c.decay;
    th -= c.stepSize * m / (v.sqrt() * c.invSqrtBias2 + c.eps);
  }
}

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
