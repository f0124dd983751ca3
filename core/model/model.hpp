// Folder model/: what a model is (the training config with its validation and defaults, and one
// parameter vector per stage).
//
// A trained (or training) model: its config and one parameter vector per stage.
// Rectified flow keeps every reflow stage (stage 0 = 1-RF, stage k = (k+1)-RF) so stages can be
// compared; other methods have one stage. Plain value; immutable once shared.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "core/model/trainer_config.hpp"

namespace flowlab::core {

struct Stage {
  ParamVec params;
  long stepsTrained = 0;
  double finalLoss = std::numeric_limits<double>::quiet_NaN();  // smoothed loss at the end
  double trainSeconds = 0.0;
};

struct Model {
  static constexpr int kFormatVersion = 1;
  TrainerConfig config;
  std::string target;  // built-in target name, or "image:<path>" / "painted"
  std::vector<Stage> stages;
};

// Number of parameters of the network that `config` describes (MLP, or RealNVP's couplings).
Eigen::Index parameterCount(const TrainerConfig& config);

}  // namespace flowlab::core
