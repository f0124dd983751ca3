// What the trainer thread publishes, about every 40 ms: an immutable picture of training.
// Shared as std::shared_ptr<const Snapshot>; readers may keep one as long as they like.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/model/model.hpp"
#include "core/targets/targets.hpp"
#include "core/training/param_history.hpp"

namespace flowlab::core {

// Running: stepping. Preparing: work between stages (reflow pairs), with progress. Paused,
// Finished: not stepping. Diverged: a non-finite loss; the last good parameters are back and
// training is paused. Error: the config or a step failed; the message says why.
enum class TrainerStatus { Running, Preparing, Paused, Finished, Diverged, Error };
const char* statusName(TrainerStatus s);  // "running", "preparing", "paused", …

struct LossSample {
  long step;
  float loss;
};

// Metrics measured by the trainer every few seconds, at the end of every stage and when training
// finishes, on fresh samples (NaN when the method has no such figure: no NLL without a density,
// no straightness or NFE without a velocity field).
struct MetricSample {
  long step = 0;  // total steps when measured
  int stage = 0;  // the stage measured (0-based; RF: reflow round)
  double w2 = std::numeric_limits<double>::quiet_NaN();  // n = kW2Points, RK4 32 steps
  // W2 between two independent target samples of the same n (mean of a few pairs): the floor
  // the model's W2 is to be compared with (it shrinks with n).
  double w2Floor = std::numeric_limits<double>::quiet_NaN();
  double nll = std::numeric_limits<double>::quiet_NaN();  // nats/point, fine solver
  // The same under the training solver (cnf, rkl; else NaN): drifting apart from nll means the
  // model exploits the training solver's discretisation (held_out_nll.hpp).
  double nllTrainSolver = std::numeric_limits<double>::quiet_NaN();
  double straightness = std::numeric_limits<double>::quiet_NaN();
  long nfe = 0;
  static constexpr int kW2Points = 500;
};

struct Snapshot {
  std::uint64_t version = 0;  // strictly increasing
  long step = 0;              // steps trained in the current stage
  long totalSteps = 0;        // steps trained over all stages since the last reset
  int stage = 0;              // current stage (0-based; RF: reflow round)
  TrainerStatus status = TrainerStatus::Paused;
  std::string message;       // what the trainer is doing or why it stopped
  double progress = 0.0;     // Preparing: fraction of the work between stages done
  std::uint64_t resets = 0;  // fresh models started (a reset, a structural change)
  double stepsPerSecond = 0.0;
  // Wall seconds spent training since the last reset, pauses excluded (steps, measurements,
  // reflow pairs); per stage, the seconds of its training steps (the current one's so far); per
  // finished stage, trainingSeconds when it finished.
  double trainingSeconds = 0.0;
  std::vector<double> stageSeconds, stageEnds;

  // The model being trained: config and every stage's parameters (the current stage last).
  std::shared_ptr<const Model> model;
  // The target in force when this snapshot was taken (may be a painted image).
  std::shared_ptr<const Target> target;
  std::uint64_t targetVersion = 0;

  std::vector<LossSample> loss;  // recent history, oldest first (at most kLossHistory)
  // The parameters kept at log-spaced steps of every stage (param_history.hpp), for looking
  // back; shared between snapshots until it changes. Null before the first is kept.
  std::shared_ptr<const std::vector<HistoryEntry>> history;
  // Oldest first; at most kMetricsHistory (older samples are thinned, each stage's last kept).
  std::vector<MetricSample> metrics;
  static constexpr std::size_t kLossHistory = 20000;
  static constexpr std::size_t kMetricsHistory = 1000;
};

}  // namespace flowlab::core
