// The view worker's thread: pins a snapshot and a request, runs the layer jobs in turn, and
// publishes their layers together (see view_worker.hpp).
#include "core/view/view_worker.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <vector>

#include "core/base/parallel.hpp"
#include "core/base/stopwatch.hpp"
#include "core/base/thread_setup.hpp"
#include "core/training/history_snapshot.hpp"
#include "core/view/compare_job.hpp"
#include "core/view/field_jobs.hpp"
#include "core/view/scalar_grid_job.hpp"
#include "core/view/solver_lab_job.hpp"
#include "core/view/table_jobs.hpp"
#include "core/view/target_layers_job.hpp"
#include "core/view/view_job.hpp"

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

const ParamVec* currentParams(const Snapshot& s) {
  if (!s.model || s.model->stages.empty()) return nullptr;
  return &s.model->stages.back().params;
}

// Two requests that differ at most in t: the cycle in progress may finish with its own t.
bool sameButTime(ViewRequest a, const ViewRequest& b) {
  a.t = b.t;
  return a == b;
}

}  // namespace

struct ViewWorker::State {
  // The model layers, taken in turn; then the target's.
  std::vector<std::unique_ptr<ViewJob>> jobs;
  TargetLayersJob target;
  SolverLabJob lab;      // holds its own snapshot; published when done
  CompareJob compare;    // follows the newest snapshot; published panel by panel
  std::size_t next = 0;  // round-robin cursor over jobs

  // The newest snapshot seen, and when it was first seen; the race's newest.
  std::shared_ptr<const Snapshot> latest;
  LayerStamp latestStamp;
  std::vector<std::shared_ptr<const Snapshot>> race;

  // The cycle: the snapshot and request every model layer is being computed from.
  bool active = false;
  std::shared_ptr<const Snapshot> snap;
  LayerStamp stamp;
  ViewRequest request;

  bool computed = false;  // some model layer was computed since the last full publish

  std::shared_ptr<const ViewFrame> frame = std::make_shared<ViewFrame>();
  double busyEma = 0.0;
  int threadsPerPiece = 1;  // Options::threads

  explicit State(int threads) : threadsPerPiece(threads) {
    jobs.push_back(std::make_unique<ParticlesJob>());
    jobs.push_back(std::make_unique<FieldArrowsJob>());
    jobs.push_back(std::make_unique<StreamlinesJob>());
    jobs.push_back(std::make_unique<ScalarGridJob>(ScalarGridJob::Quantity::LogDensity));
    jobs.push_back(std::make_unique<ScalarGridJob>(ScalarGridJob::Quantity::Divergence));
    jobs.push_back(std::make_unique<WarpedGridJob>());
  }

  // The inputs of the layers that follow the newest snapshot (the target's, the solver lab's,
  // the side by side's).
  ViewInputs latestInputs(const ViewRequest& req) const {
    return {*latest,     *currentParams(*latest),
            req,         isContinuous(latest->model->config.method),
            latestStamp, 1,
            &race};
  }

  // A past model is what the user waits for (they dragged the history slider, and training
  // yields meanwhile): its pieces run on every core; live weights, which come again and again,
  // take one.
  ViewInputs cycleInputs() const {
    const int history = isHistorical(snap->version) ? std::min(hardwareThreads(), 4) : 1;
    const int threads = std::max(threadsPerPiece, history);
    return {*snap,  *currentParams(*snap), request, isContinuous(snap->model->config.method), stamp,
            threads};
  }

  // Keeps the newest snapshot with weights, stamped with when it was first seen.
  void see(std::shared_ptr<const Snapshot> s) {
    if (!s || !currentParams(*s)) return;
    if (!latest || s->version != latest->version) latestStamp = {s->version, Clock::now()};
    latest = std::move(s);
  }

  // Pins the cycle: a new one takes the newest snapshot and request; a request change other
  // than t restarts the one in progress with the same snapshot. A jump into, within or out of
  // the training history is the user's and restarts the cycle with the newest snapshot at once
  // (new live weights, by contrast, wait for the cycle in progress).
  void pin(const ViewRequest& req) {
    const bool jumped = active && snap->version != latest->version &&
                        (isHistorical(snap->version) || isHistorical(latest->version));
    if (!active || jumped) {
      snap = latest;
      stamp = latestStamp;
      request = req;
      active = true;
    } else if (!sameButTime(request, req)) {
      request = req;
    }
  }

  // The outcome of one piece of work.
  struct Piece {
    std::shared_ptr<ViewFrame> next;  // the frame to publish, if any
    bool worked = false;              // something was computed
    bool complete = false;            // the cycle completed
    ViewFrame& edit(const ViewFrame& from) {
      if (!next) next = std::make_shared<ViewFrame>(from);
      return *next;
    }
    const ViewFrame& shown(const ViewFrame& from) const { return next ? *next : from; }
  };

  // One bounded piece of work: the target's layers if they are behind, then one model job's
  // piece, or the cycle's completion. An error is shown in the frame and ends the cycle.
  Piece work(const ViewRequest& req, double chunkSeconds) {
    Piece piece;
    try {
      stepTarget(req, chunkSeconds, piece);
      stepLab(req, chunkSeconds, piece);
      stepCompare(req, chunkSeconds, piece);
      stepModel(chunkSeconds, piece);
      if (piece.next) piece.next->error.clear();
    } catch (const std::exception& e) {
      piece.edit(*frame).error = e.what();
      active = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return piece;
  }

  // The target's layers follow the newest snapshot's target; published when done.
  void stepTarget(const ViewRequest& req, double chunkSeconds, Piece& piece) {
    const ViewInputs in = latestInputs(req);
    const bool shown = frame->targetSamples || frame->targetDensity;
    if (target.wanted(in) && !target.current(in)) {
      target.step(in, chunkSeconds);
      target.publish(piece.edit(*frame));
      piece.worked = true;
    } else if (!target.wanted(in) && shown) {
      target.clear();
      target.publish(piece.edit(*frame));
    }
  }

  // The solver lab follows its own snapshot (pinned from the newest when the lab's epoch
  // changes); published when done.
  void stepLab(const ViewRequest& req, double chunkSeconds, Piece& piece) {
    const ViewInputs in = latestInputs(req);
    if (lab.wanted(in) && !lab.current(in)) {
      lab.step(in, chunkSeconds);
      // The solve when it is done, then the study when it is.
      if (lab.changes(piece.shown(*frame))) lab.publish(piece.edit(*frame));
      piece.worked = true;
    } else if (!lab.wanted(in) && frame->lab) {
      lab.clear();
      lab.publish(piece.edit(*frame));
    }
  }

  // The stages side by side follow the newest snapshot; each panel is published when done.
  void stepCompare(const ViewRequest& req, double chunkSeconds, Piece& piece) {
    const ViewInputs in = latestInputs(req);
    if (compare.wanted(in) && !compare.current(in)) {
      compare.step(in, chunkSeconds);
      if (compare.changes(piece.shown(*frame))) compare.publish(piece.edit(*frame));
      piece.worked = true;
    } else if (!compare.wanted(in) && frame->compare) {
      compare.clear();
      compare.publish(piece.edit(*frame));
    }
  }

  // A piece of the next pending model job, or, with none left, the whole cycle published.
  void stepModel(double chunkSeconds, Piece& piece) {
    const ViewInputs in = cycleInputs();
    ViewJob* job = nextPending(in);
    if (!job) {
      const ViewFrame& shown = piece.shown(*frame);
      if (computed || shown.modelVersion != stamp.snapshotVersion || !(shown.request == request)) {
        withModelLayers(in, piece.edit(*frame));
        computed = false;
      }
      active = false;
      piece.complete = true;
      return;
    }
    job->step(in, chunkSeconds);
    piece.worked = computed = true;
    // Early: the frame holds nothing from other weights or another t, so a finished layer may
    // show now (the first picture; a layer switched on; a new box).
    const ViewFrame& shown = piece.shown(*frame);
    const bool alone = shown.modelVersion == 0 || (shown.modelVersion == stamp.snapshotVersion &&
                                                   shown.request.t == request.t);
    if (job->current(in) && alone) {
      ViewFrame& f = piece.edit(*frame);
      job->publish(f);
      stampModel(in, f);
    }
  }

  // The next job with work left for the cycle, in turn; null when the cycle is complete.
  ViewJob* nextPending(const ViewInputs& in) {
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      ViewJob* job = jobs[(next + i) % jobs.size()].get();
      if (job->wanted(in) && !job->current(in)) {
        next = (next + i + 1) % jobs.size();
        return job;
      }
    }
    return nullptr;
  }

  // Puts every model layer of the cycle into `out` (a layer no longer wanted is dropped).
  void withModelLayers(const ViewInputs& in, ViewFrame& out) {
    for (const auto& job : jobs) {
      if (!job->wanted(in)) job->clear();
      job->publish(out);
    }
    stampModel(in, out);
  }

  // Marks `out`'s model layers as the cycle's: its snapshot, weights version and request.
  void stampModel(const ViewInputs& in, ViewFrame& out) const {
    out.snapshot = snap;
    out.modelVersion = stamp.snapshotVersion;
    out.request = request;
    out.continuous = in.continuous;
  }
};

ViewWorker::ViewWorker(SnapshotSource source) : ViewWorker(std::move(source), Options{}) {}

ViewWorker::ViewWorker(SnapshotSource source, Options options, RaceSource race)
    : options_(options),
      source_(std::move(source)),
      race_(std::move(race)),
      frame_(std::make_shared<ViewFrame>()),
      state_(std::make_unique<State>(std::max(1, options.threads))),
      thread_([this](std::stop_token st) { run(st); }) {}

ViewWorker::~ViewWorker() {
  thread_.request_stop();
  wake_.notify_all();
}

void ViewWorker::setRequest(const ViewRequest& request) {
  {
    std::lock_guard lock(mutex_);
    if (request == request_) return;
    request_ = request;
    ++requestVersion_;
    upToDate_ = false;
  }
  wake_.notify_all();
}

void ViewWorker::refresh() {
  {
    std::lock_guard lock(mutex_);
    ++requestVersion_;
    upToDate_ = false;
  }
  wake_.notify_all();
}

std::shared_ptr<const ViewFrame> ViewWorker::frame() const {
  std::lock_guard lock(mutex_);
  return frame_;
}

bool ViewWorker::upToDate() const {
  std::lock_guard lock(mutex_);
  return upToDate_;
}

bool ViewWorker::waitUntilUpToDate(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return upToDate_; });
}

void ViewWorker::publish(std::shared_ptr<const ViewFrame> frame, bool upToDate) {
  {
    std::lock_guard lock(mutex_);
    if (frame) frame_ = std::move(frame);
    upToDate_ = upToDate;
  }
  changed_.notify_all();
}

std::uint64_t ViewWorker::takeRequest(ViewRequest& out) const {
  std::lock_guard lock(mutex_);
  out = request_;
  return requestVersion_;
}

void ViewWorker::waitForRequest(std::stop_token stop, std::uint64_t seen,
                                std::chrono::duration<double> timeout) const {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, timeout, [&] { return requestVersion_ != seen; });
}

void ViewWorker::sleepFor(std::stop_token stop, std::chrono::duration<double> duration) const {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, duration, [] { return false; });
}

void ViewWorker::run(std::stop_token stop) {
  nameThisThread("flowlab-view");
  if (options_.lowPriority) lowerThisThreadPriority();
  State& st = *state_;
  const std::chrono::duration<double> poll = std::chrono::milliseconds(options_.pollMilliseconds);
  std::uint64_t frameVersion = 0;
  while (!stop.stop_requested()) {
    ViewRequest req;
    const std::uint64_t reqVersion = takeRequest(req);
    st.see(source_ ? source_() : nullptr);
    st.race = race_ ? race_() : std::vector<std::shared_ptr<const Snapshot>>{};
    if (!st.latest) {
      waitForRequest(stop, reqVersion, poll);
      continue;
    }
    st.pin(req);

    const auto begin = Clock::now();
    State::Piece piece = st.work(req, options_.chunkSeconds);
    if (piece.next) {
      piece.next->version = ++frameVersion;
      piece.next->busyFraction = st.busyEma;
      st.frame = piece.next;
    }
    // Up to date: the cycle just completed was the newest request with the newest weights.
    bool upToDate = piece.complete && st.snap == st.latest;
    {
      std::lock_guard lock(mutex_);
      upToDate = upToDate && requestVersion_ == reqVersion && st.request == request_;
    }
    if (piece.next || upToDate) publish(piece.next, upToDate);

    if (!piece.worked) {  // nothing to do until the request or the weights change
      st.busyEma *= 0.9;
      waitForRequest(stop, reqVersion, poll);
      continue;
    }
    // Pace the work to stay under maxBusyFraction of a core.
    const double busy = secondsSince(begin);
    double pause = 0.0;
    if (options_.maxBusyFraction > 0.0 && options_.maxBusyFraction < 1.0)
      pause = busy * (1.0 / options_.maxBusyFraction - 1.0);
    st.busyEma = 0.9 * st.busyEma + 0.1 * (busy / (busy + pause + 1e-9));
    if (pause > 0.0) sleepFor(stop, std::chrono::duration<double>(pause));
  }
}

}  // namespace flowlab::core
