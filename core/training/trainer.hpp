// Folder training/: training a model (the session that steps, changes stage and guards against
// divergence, used by `flowlab train`; the trainer thread that runs it for the app and publishes
// snapshots).
//
// The trainer thread: owns the live model, optimiser, RNG and sampler; steps; publishes
// immutable Snapshots. Every public method is callable from any thread (the UI thread) and
// returns without waiting for a training step.
#pragma once

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/training/snapshot.hpp"
#include "core/training/training_session.hpp"

namespace flowlab::core {

// What a session file keeps of a trainer: the checkpoint (training resumes from it bit for bit)
// and the charts' histories.
struct TrainerRecord {
  TrainingCheckpoint training;
  std::vector<LossSample> loss;
  std::vector<MetricSample> metrics;
  std::vector<HistoryEntry> history;  // the kept past parameters (ParamHistory)
  std::vector<double> historyGrowth;
};

class Trainer {
 public:
  // Starts the thread. Training runs unless startPaused. A background trainer's thread runs at
  // a low priority (thread_setup.hpp), as one of several sharing the cores.
  Trainer(const TrainerConfig& config, std::shared_ptr<const Target> target,
          bool startPaused = false, bool background = false);
  ~Trainer();  // stops and joins the thread (at once, even while reflow pairs are generated)
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void setPaused(bool paused);
  bool paused() const;
  // While paused: run exactly n more steps, then stay paused. A failure (Diverged, Error) on the
  // way pauses at once and drops the steps not yet taken.
  void stepOnce(long n = 1);
  // Applied between steps. Live changes keep the model; others (see needsReset) reset it.
  void submit(const TrainerConfig& config);
  // Applied between steps; never resets the model.
  void setTarget(std::shared_ptr<const Target> target);
  // Fresh model from the current config (same seed → same run).
  void reset();
  // The model's state to save, taken by the thread between steps (or once the reflow pairs in
  // preparation are done): poll the future, never wait on it from the UI thread. It holds a
  // std::runtime_error when there is no model (a config that could not be built).
  std::future<TrainerRecord> record();
  // Replaces the model with a recorded one (a session's) and its charts: training continues where
  // it stopped, exactly (a reflow stage's pairs are generated again first). The target is the
  // trainer's current one: set the session's target before. Applied between steps.
  void resume(std::shared_ptr<const TrainerRecord> record);
  // Training sleeps until `until` (model, status and step count unchanged), so that other
  // threads have the cores: while the user waits for a picture of a past model. Extended by
  // calling again; a time already past ends the sleep at the next step.
  void yieldUntil(std::chrono::steady_clock::time_point until);

  // The newest snapshot (never null after construction). Lock held only to copy a pointer.
  std::shared_ptr<const Snapshot> snapshot() const;
  // Blocks until a snapshot newer than `version` is published or the timeout; returns the
  // newest either way. For tests and headless runs.
  std::shared_ptr<const Snapshot> waitForNewer(std::uint64_t version,
                                               std::chrono::milliseconds timeout) const;

 private:
  struct Loop;
  struct Commands;
  // The thread's named steps (trainer.cpp): each returns whether the loop goes on to the next.
  void run(std::stop_token stop);
  Commands takeCommands();
  void apply(Loop& loop, Commands& cmd);  // resets, live changes, target swaps
  void resumeFrom(Loop& loop, const TrainerRecord& record, std::stop_token stop);
  void answerRecords(Loop& loop, Commands& cmd);  // fulfils record() requests
  void answerRecordsNow(Loop& loop);  // the same for requests not yet taken (while preparing)
  bool idle(Loop& loop, const Commands& cmd);        // true: nothing to step (publishes once)
  bool step(Loop& loop, const Commands& cmd);        // false: the step failed or diverged
  bool nextStage(Loop& loop, std::stop_token stop);  // false: stopping mid-preparation
  // Reports reflow-pair progress as a status message and answers record() requests meanwhile
  // (the finished stage, as it was before the pairs); false once stopping.
  std::function<bool(double)> pairProgress(Loop& loop, std::stop_token stop, int forStage);
  bool measureAndGuard(Loop& loop);  // false: rewound after solver drift
  void publishIfDue(Loop& loop);     // about every 40 ms
  void fail(Loop& loop, TrainerStatus status, std::string message);  // pause, say why
  // Blocks until a command newer than serial `seen` arrives (or stop).
  void waitForCommand(std::stop_token stop, std::uint64_t seen);
  // Sleeps until `until`, a command newer than `seen`, or stop.
  void sleepUntil(std::stop_token stop, std::uint64_t seen,
                  std::chrono::steady_clock::time_point until);
  void publish(std::shared_ptr<const Snapshot> snapshot);

  mutable std::mutex mutex_;                            // guards the fields below
  mutable std::condition_variable_any commandArrived_;  // the thread: something to apply
  mutable std::condition_variable_any published_;       // waiters: a new snapshot
  std::shared_ptr<const Snapshot> snapshot_;
  TrainerConfig pendingConfig_;
  bool configPending_ = false;
  std::shared_ptr<const Target> pendingTarget_;
  bool targetPending_ = false;
  std::uint64_t pendingTargetVersion_ = 0;
  bool resetPending_ = false;
  std::vector<std::promise<TrainerRecord>> recordRequests_;
  std::shared_ptr<const TrainerRecord> pendingResume_;
  long stepBudget_ = 0;
  bool paused_;
  const bool background_;
  std::chrono::steady_clock::time_point yieldUntil_{};
  std::uint64_t commandSerial_ = 0;  // counts commands, so the idle thread wakes on a new one

  std::jthread thread_;  // last: started after every other member is ready
};

}  // namespace flowlab::core
