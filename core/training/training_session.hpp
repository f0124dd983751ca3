// One training run, synchronous: owns the model, optimiser, RNG and the method's objective, and
// steps on the caller's thread. The CLI drives it directly; the Trainer thread wraps it.
// Allocation-free per step once constructed (reflow pair generation between stages allocates).
#pragma once

#include <functional>
#include <memory>

#include "core/model/model.hpp"
#include "core/nn/adam.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

class Objective;
struct ObjectiveStats;
struct PairSet;

// Everything a session's future depends on: a session resumed from it trains exactly (bit for
// bit) as the one it was taken from would have.
struct TrainingCheckpoint {
  Model model;        // the config (with live changes), finished stages and the current one
  ParamVec lastGood;  // the divergence guard's parameters
  Adam::State adam;
  Rng::State rng;
  long totalSteps = 0;
};

class TrainingSession {
 public:
  // Throws std::invalid_argument when the config is invalid (see validate()).
  TrainingSession(const TrainerConfig& config, std::shared_ptr<const Target> target);
  // Resumes from a checkpoint (see checkpoint()). A reflow stage's pairs are generated again
  // from the finished stage (deterministic), reporting as advanceStage does; stopping throws
  // std::runtime_error("stopped"). Throws std::invalid_argument when the checkpoint does not
  // fit its config (stage count, parameter or moment sizes).
  TrainingSession(const TrainingCheckpoint& checkpoint, std::shared_ptr<const Target> target,
                  const std::function<bool(double)>& progress = {});
  ~TrainingSession();

  // One optimisation step of the current stage, with the divergence guard: the parameters are
  // remembered as good every kMarkGoodEvery steps of finite loss, and a non-finite loss puts
  // the last good ones back (fresh optimiser moments). The CLI and the trainer thread decide
  // what to do next (stop, pause) from `restored`.
  struct StepResult {
    double loss;    // may be non-finite
    bool restored;  // the loss was not finite: the last good parameters are back
  };
  StepResult step();
  static constexpr long kMarkGoodEvery = 100;
  // True when the current stage has run config.steps steps.
  bool stageDone() const;
  // True when every stage is done.
  bool finished() const;
  // Closes the current stage and starts the next (RF: generates the reflow pairs with the
  // finished stage's flow, a chunk at a time). progress(fraction done) is called after each
  // chunk; when it returns false, the session is left as it was and advanceStage returns
  // false (the caller is stopping). Returns false when there is no next stage.
  using Progress = std::function<bool(double fraction)>;
  bool advanceStage(const Progress& progress = {});
  // The number of stages of this run (RF: reflow rounds + 1; others 1).
  int stageCount() const;

  // Puts earlier parameters of the current stage back (fresh optimiser moments): the trainer's
  // rewind when a finite degradation is detected. params.size() must match.
  void rewind(const ParamVec& params);

  // Live changes (see needsReset): learning rate, weight decay, clipping, batch, steps.
  void applyLive(const TrainerConfig& config);
  void setTarget(std::shared_ptr<const Target> target);

  const TrainerConfig& config() const { return config_; }
  const std::shared_ptr<const Target>& target() const { return target_; }
  int stage() const { return stage_; }
  long stageStep() const { return stageStep_; }
  long totalSteps() const { return totalSteps_; }
  double smoothedLoss() const { return smoothedLoss_; }
  // The model so far: finished stages plus a copy of the current parameters.
  Model model() const;
  const ParamVec& params() const { return params_; }
  TrainingCheckpoint checkpoint() const;
  ObjectiveStats objectiveStats() const;  // the method's per-step diagnostics (CNF NFE)

 private:
  // Stage `finished`'s reflow pairs (x0, ODE(x0)) through `params`; null when progress said stop.
  std::shared_ptr<const PairSet> reflowPairs(int finished, const ParamVec& params,
                                             const Progress& progress) const;

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
