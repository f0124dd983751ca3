// One training run, synchronous: owns the model, optimiser, RNG and the method's objective, and
// steps on the caller's thread. The CLI drives it directly; the Trainer thread wraps it.
// Allocation-free per step once constructed (reflow pair generation between stages allocates).
#pragma once

#include <functional>
#include <memory>

#include "core/adam.hpp"
#include "core/model.hpp"
#include "core/targets.hpp"

namespace flowlab::core {

class Objective;
struct ObjectiveStats;

class TrainingSession {
 public:
  // Throws std::invalid_argument when the config is invalid (see validate()).
  TrainingSession(const TrainerConfig& config, std::shared_ptr<const Target> target);
  ~TrainingSession();

  // One optimisation step of the current stage. Returns the loss (may be non-finite: the
  // caller decides; see restoreLastGood()).
  double step();
  // True when the current stage has run config.steps steps.
  bool stageDone() const;
  // True when every stage is done.
  bool finished() const;
  // Closes the current stage and starts the next (RF: generates the reflow pairs with the
  // finished stage's flow). Returns false when there is no next stage.
  bool advanceStage();

  // Live changes (see needsReset): learning rate, weight decay, clipping, batch, steps.
  void applyLive(const TrainerConfig& config);
  void setTarget(std::shared_ptr<const Target> target);

  // Divergence guard: remember the current parameters as good / go back to them.
  void markGood();
  void restoreLastGood();

  const TrainerConfig& config() const { return config_; }
  const std::shared_ptr<const Target>& target() const { return target_; }
  int stage() const { return stage_; }
  long stageStep() const { return stageStep_; }
  long totalSteps() const { return totalSteps_; }
  double smoothedLoss() const { return smoothedLoss_; }
  // The model so far: finished stages plus a copy of the current parameters.
  Model model() const;
  const ParamVec& params() const { return params_; }
  ObjectiveStats objectiveStats() const;  // the method's per-step diagnostics (CNF NFE)

 private:

  TrainerConfig config_;
  std::shared_ptr<const Target> target_;
  std::vector<Stage> finishedStages_;
  std::unique_ptr<Objective> objective_;
  ParamVec params_, grad_, lastGood_;
  std::unique_ptr<Adam> adam_;
  Rng rng_;
  int stage_ = 0;
  long stageStep_ = 0, totalSteps_ = 0;
  double smoothedLoss_;
  double stageSeconds_ = 0.0;
};

// θ ← the method's initial parameters for `config` (sized here), drawn from rng.
void initialParameters(const TrainerConfig& config, ParamVec& params, Rng& rng);

}  // namespace flowlab::core
