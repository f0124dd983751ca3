// What the trainer thread publishes, about every 40 ms: an immutable picture of training.
// Shared as std::shared_ptr<const Snapshot>; readers may keep one as long as they like.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/targets.hpp"

namespace flowlab::core {

enum class TrainerStatus { Running, Paused, Finished, Diverged, Error };
const char* statusName(TrainerStatus s);  // "running", "paused", …

struct LossSample {
  long step;
  float loss;
};

// Metrics measured by the trainer every so often on held-out samples (NaN when not available).
struct MetricSample {
  long step = 0;
  double w2 = std::numeric_limits<double>::quiet_NaN();       // n = MetricSample::kW2Points
  double nll = std::numeric_limits<double>::quiet_NaN();      // nats/point, fine solver
  double straightness = std::numeric_limits<double>::quiet_NaN();
  long nfe = 0;
  static constexpr int kW2Points = 500;
};

struct Snapshot {
  std::uint64_t version = 0;  // strictly increasing
  long step = 0;              // steps trained in the current stage
  long totalSteps = 0;        // steps trained over all stages since the last reset
  int stage = 0;              // current stage (RF: reflow round)
  TrainerStatus status = TrainerStatus::Paused;
  std::string message;        // why it diverged / errored / finished
  double stepsPerSecond = 0.0;

  // The model being trained: config and every stage's parameters (the current stage last).
  std::shared_ptr<const Model> model;
  // The target in force when this snapshot was taken (may be a painted image).
  std::shared_ptr<const Target> target;
  std::uint64_t targetVersion = 0;

  std::vector<LossSample> loss;  // recent history, oldest first (at most kLossHistory)
  std::vector<MetricSample> metrics;
  static constexpr std::size_t kLossHistory = 20000;
};

}  // namespace flowlab::core
