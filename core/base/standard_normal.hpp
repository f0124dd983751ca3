// The base distribution of every flow: the standard normal N(0, I) in 2-D. GL-free; pure.
#pragma once

#include <cmath>
#include <numbers>

#include "core/base/types.hpp"

namespace flowlab::core {

// log N(x; 0, I) for each column of x (2×N), in float: −‖x‖²/2 − log 2π.
inline void standardNormalLogDensity(const Points& x, PointRow& out) {
  const float logTwoPi = static_cast<float>(std::log(2.0 * std::numbers::pi));
  out = -0.5f * x.colwise().squaredNorm().array() - logTwoPi;
}

}  // namespace flowlab::core
