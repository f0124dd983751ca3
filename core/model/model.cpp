// The parameter count a config's network has.
#include "core/model/model.hpp"

#include "core/nn/realnvp.hpp"

namespace flowlab::core {

Eigen::Index parameterCount(const TrainerConfig& config) {
  if (config.method == Method::RealNvp)
    return RealNvp(config.mlp, config.couplingLayers).paramCount();
  return Mlp(config.mlp).paramCount();
}

}  // namespace flowlab::core
