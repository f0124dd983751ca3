// A smooth, untrained field for the evaluation tests: an MLP's initial parameters, scaled up so
// that the paths bend (scale 1: nearly straight).
#pragma once

#include <cstdint>

#include "core/base/rng.hpp"
#include "core/model/trainer_config.hpp"
#include "core/nn/mlp.hpp"

namespace flowlab::core {

inline ParamVec randomParams(const TrainerConfig& c, std::uint64_t seed, float scale) {
  const Mlp mlp(c.mlp);
  ParamVec theta(mlp.paramCount());
  Rng rng(seed);
  mlp.initParams(theta, rng);
  return scale * theta;
}

}  // namespace flowlab::core
