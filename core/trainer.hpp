// The trainer thread: owns the live model, optimiser, RNG and sampler; steps; publishes
// immutable Snapshots. Every public method is callable from any thread (the UI thread) and
// returns without waiting for a training step.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "core/snapshot.hpp"
#include "core/training_session.hpp"

namespace flowlab::core {

class Trainer {
 public:
  // Starts the thread. Training runs unless startPaused.
  Trainer(const TrainerConfig& config, std::shared_ptr<const Target> target,
          bool startPaused = false);
  ~Trainer();  // stops and joins the thread
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void setPaused(bool paused);
  bool paused() const { return paused_.load(); }
  // While paused: run exactly n more steps, then stay paused.
  void stepOnce(long n = 1);
  // Applied between steps. Live changes keep the model; others (see needsReset) reset it.
  void submit(const TrainerConfig& config);
  // Applied between steps; never resets the model.
  void setTarget(std::shared_ptr<const Target> target);
  // Fresh model from the current config (same seed → same run).
  void reset();

  // The newest snapshot (never null after construction). Lock held only to copy a pointer.
  std::shared_ptr<const Snapshot> snapshot() const;

 private:
  void run(std::stop_token stop);

  mutable std::mutex mutex_;  // guards the fields below
  std::shared_ptr<const Snapshot> snapshot_;
  TrainerConfig pendingConfig_;
  bool configPending_ = false;
  std::shared_ptr<const Target> pendingTarget_;
  std::uint64_t pendingTargetVersion_ = 0;
  bool resetPending_ = false;
  long stepBudget_ = 0;

  std::atomic<bool> paused_;
  std::atomic<std::uint64_t> version_{0};
  std::jthread thread_;  // last: started after every other member is ready
};

}  // namespace flowlab::core
