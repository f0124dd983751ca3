// Adam's update as one kernel set compiles it (adam_kernel.cpp). Include only from a kernel
// set's sources.
#pragma once

#include "core/nn/adam.hpp"

#ifndef FLOWLAB_KERNEL_NS
#error "a kernel set's source: core/CMakeLists.txt compiles it once per set with FLOWLAB_KERNEL_NS"
#endif

namespace flowlab::core::FLOWLAB_KERNEL_NS {

double sumOfSquares(const float* x, Eigen::Index n);
void adamUpdate(const AdamCoefficients& c, const float* grad, float* m, float* v, float* theta,
                Eigen::Index n);

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
