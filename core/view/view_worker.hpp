// Folder view/: what the app draws, computed off the UI thread (the view request, one job per
// layer, the frame they publish together). GL-free.
//
// The view worker: a thread that turns the newest training Snapshot and the UI's latest
// ViewRequest into an immutable ViewFrame (particles, pathlines, field arrows, streamlines,
// density and divergence grids, warped grid, target layers) for the app to draw. GL-free.
//
// Threads. The UI thread calls setRequest() and frame() (both return at once, never waiting for
// a computation); the worker thread alone computes. Each published frame is a
// std::shared_ptr<const ViewFrame>; layers that did not change are shared between frames, so a
// reader can tell what changed by comparing layer pointers.
//
// Cycles. The worker pins one snapshot and one request and computes every requested model layer
// from them — one bounded piece of work (about Options::chunkSeconds) of one layer at a time,
// the layers taken in turn (view_job.hpp) — then publishes them together, so every model layer of
// a frame comes from the same weights (ViewFrame::modelVersion). A request change other than t
// restarts the cycle at once; a new t or new weights wait for the next cycle, so the layers on
// screen keep one t and one version while the animation plays and training runs. While the
// frame's layers all come from the pinned snapshot and t (the first picture, a layer switched on
// or a new box while training is paused), a finished layer is published at once. Target layers
// follow the target and are published when done. Particles and the warped grid are cached at
// uniform knot times, so moving t costs the UI an interpolation and the worker nothing. On a 2-core
// machine the worker runs at a low priority by default: it mostly uses the CPU that training and
// drawing leave free.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/training/snapshot.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::core {

class ViewWorker {
 public:
  using SnapshotSource = std::function<std::shared_ptr<const Snapshot>()>;
  // The newest snapshot of every method trained side by side (MethodRace::snapshots).
  using RaceSource = std::function<std::vector<std::shared_ptr<const Snapshot>>()>;

  struct Options {
    double chunkSeconds = 0.03;    // target duration of one piece of work
    double maxBusyFraction = 1.0;  // sleep between pieces to stay under this share of a core
    bool lowPriority = true;       // run the thread at a low priority (nice 10, Linux)
    int pollMilliseconds = 15;     // how often to look for a new snapshot when idle
    int threads = 1;  // threads each piece of work may use (a past model: at least every core)
  };

  // Starts the thread. source() is called from the worker thread and must be thread-safe
  // (Trainer::snapshot() is); it may return null until training has published.
  // race(), if given, is called from the worker thread too, for the methods side by side.
  explicit ViewWorker(SnapshotSource source);
  ViewWorker(SnapshotSource source, Options options, RaceSource race = {});
  ~ViewWorker();  // stops and joins
  ViewWorker(const ViewWorker&) = delete;
  ViewWorker& operator=(const ViewWorker&) = delete;

  // Any thread. Returns at once.
  void setRequest(const ViewRequest& request);
  // Any thread: the snapshot source has a new snapshot (the worker also polls for one); wakes
  // the worker now, and upToDate() is false until that snapshot is drawn.
  void refresh();
  // Any thread. The newest frame (never null; empty layers until computed).
  std::shared_ptr<const ViewFrame> frame() const;
  // True when every requested layer is published for the newest request and snapshot seen.
  bool upToDate() const;
  // Blocks the caller until upToDate() or the timeout; for tests and screenshots only.
  bool waitUntilUpToDate(std::chrono::milliseconds timeout) const;

 private:
  struct State;
  void run(std::stop_token stop);
  // The current request into `out`; returns its version.
  std::uint64_t takeRequest(ViewRequest& out) const;
  // Sleeps until the request's version differs from `seen`, a stop, or the timeout.
  void waitForRequest(std::stop_token stop, std::uint64_t seen,
                      std::chrono::duration<double> timeout) const;
  // Sleeps for `duration` or until a stop; a new request does not cut it short.
  void sleepFor(std::stop_token stop, std::chrono::duration<double> duration) const;
  void publish(std::shared_ptr<const ViewFrame> frame, bool upToDate);

  Options options_;
  SnapshotSource source_;
  RaceSource race_;
  mutable std::mutex mutex_;  // guards request_, requestVersion_, frame_ and upToDate_
  mutable std::condition_variable_any wake_;     // the worker: a new request
  mutable std::condition_variable_any changed_;  // waiters: a new frame or up-to-date state
  ViewRequest request_;
  std::uint64_t requestVersion_ = 1;
  std::shared_ptr<const ViewFrame> frame_;
  bool upToDate_ = false;
  std::unique_ptr<State> state_;  // worker thread only
  std::jthread thread_;           // last
};

}  // namespace flowlab::core
