// Several methods trained side by side on one target from one seed, live: a background Trainer
// per method (the settings of entryConfig: each method's own, the plan's seed and steps, one
// thread each), so the operating system shares the cores evenly between them while the UI and
// drawing threads, at normal priority, come first. Each trainer measures its own steps/s and
// wall time (Snapshot). Every method may be called from any thread.
#pragma once

#include <memory>
#include <vector>

#include "core/compare/comparison.hpp"
#include "core/training/trainer.hpp"

namespace flowlab::core {

class MethodRace {
 public:
  // Starts a trainer per method of plan.methods (rf with plan.reflow rounds, one if < 0).
  // Throws std::invalid_argument for no method or an invalid config.
  MethodRace(const ComparisonPlan& plan, std::shared_ptr<const Target> target);

  // The newest snapshot of every method, in the plan's order.
  std::vector<std::shared_ptr<const Snapshot>> snapshots() const;
  void setPaused(bool paused);
  bool paused() const;
  // Every trainer goes on with the new target (no reset), as the single trainer does.
  void setTarget(const std::shared_ptr<const Target>& target);

 private:
  std::vector<std::unique_ptr<Trainer>> trainers_;
};

}  // namespace flowlab::core
