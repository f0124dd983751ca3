// The view worker's thread: pins a snapshot and a request, runs the layer jobs in turn, and
// publishes their layers together (see view_worker.hpp).
#include "core/view/view_worker.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <vector>

#include "core/view/field_jobs.hpp"
#include "core/view/scalar_grid_job.hpp"
#include "core/view/view_job.hpp"
#include "core/view/table_jobs.hpp"
#include "core/view/target_layers_job.hpp"

#ifdef __linux__
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const ParamVec* currentParams(const Snapshot& s) {
  if (!s.model || s.model->stages.empty()) return nullptr;
  return &s.model->stages.back().params;
}

// Two requests that differ at most in t: the cycle in progress may finish with its own t.
bool sameButTime(ViewRequest a, const ViewRequest& b) {
  a.t = b.t;
  return a == b;
}

// A low priority (nice 10) for this thread only: under contention training and drawing win,
// yet the worker is never starved outright (as SCHED_IDLE would be on a busy machine).
void setLowPriority() {
#ifdef __linux__
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
#endif
}

// Names the thread so profilers and the app's performance report can tell it apart.
void nameThread() {
#ifdef __linux__
  pthread_setname_np(pthread_self(), "flowlab-view");
#endif
}

}  // namespace

struct ViewWorker::State {
  // The model layers, taken in turn; then the target's.
  std::vector<std::unique_ptr<ViewJob>> jobs;
  TargetLayersJob target;
  std::size_t next = 0;  // round-robin cursor over jobs

  // The newest snapshot seen, and when it was first seen.
  std::shared_ptr<const Snapshot> latest;
  LayerStamp latestStamp;

  // The cycle: the snapshot and request every model layer is being computed from.
  bool active = false;
  std::shared_ptr<const Snapshot> snap;
  LayerStamp stamp;
  ViewRequest request;

  bool computed = false;  // some model layer was computed since the last full publish

  std::shared_ptr<const ViewFrame> frame = std::make_shared<ViewFrame>();
  double busyEma = 0.0;

  State() {
    jobs.push_back(std::make_unique<ParticlesJob>());
    jobs.push_back(std::make_unique<FieldArrowsJob>());
    jobs.push_back(std::make_unique<StreamlinesJob>());
    jobs.push_back(std::make_unique<ScalarGridJob>(ScalarGridJob::Quantity::LogDensity));
    jobs.push_back(std::make_unique<ScalarGridJob>(ScalarGridJob::Quantity::Divergence));
    jobs.push_back(std::make_unique<WarpedGridJob>());
  }

  ViewInputs cycleInputs() const {
    return {*snap, *currentParams(*snap), request, isContinuous(snap->model->config.method),
            stamp};
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
    out.snapshot = snap;
    out.modelVersion = stamp.snapshotVersion;
    out.request = request;
    out.continuous = in.continuous;
  }
};

ViewWorker::ViewWorker(SnapshotSource source) : ViewWorker(std::move(source), Options{}) {}

ViewWorker::ViewWorker(SnapshotSource source, Options options)
    : options_(options),
      source_(std::move(source)),
      frame_(std::make_shared<ViewFrame>()),
      state_(std::make_unique<State>()),
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

void ViewWorker::run(std::stop_token stop) {
  nameThread();
  if (options_.lowPriority) setLowPriority();
  State& st = *state_;
  std::uint64_t frameVersion = 0;
  while (!stop.stop_requested()) {
    // The newest request and snapshot.
    ViewRequest req;
    std::uint64_t reqVersion;
    {
      std::lock_guard lock(mutex_);
      req = request_;
      reqVersion = requestVersion_;
    }
    if (auto snap = source_ ? source_() : nullptr; snap && currentParams(*snap)) {
      if (!st.latest || snap->version != st.latest->version)
        st.latestStamp = {snap->version, Clock::now()};
      st.latest = std::move(snap);
    }
    if (!st.latest) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, std::chrono::milliseconds(options_.pollMilliseconds),
                     [&] { return requestVersion_ != reqVersion; });
      continue;
    }

    // Pin the cycle: a new one takes the newest snapshot and request; a request change other
    // than t restarts the one in progress with the same snapshot.
    if (!st.active) {
      st.snap = st.latest;
      st.stamp = st.latestStamp;
      st.request = req;
      st.active = true;
    } else if (!sameButTime(st.request, req)) {
      st.request = req;
    }

    const auto begin = Clock::now();
    std::shared_ptr<ViewFrame> next;  // the frame to publish, if any
    auto edit = [&]() -> ViewFrame& {
      if (!next) next = std::make_shared<ViewFrame>(*st.frame);
      return *next;
    };
    bool worked = false, complete = false;
    try {
      // The target's layers follow the newest snapshot's target; published when done.
      const ViewInputs latestIn{*st.latest, *currentParams(*st.latest), req,
                                isContinuous(st.latest->model->config.method), st.latestStamp};
      const bool targetShown = st.frame->targetSamples || st.frame->targetDensity;
      if (st.target.wanted(latestIn) && !st.target.current(latestIn)) {
        st.target.step(latestIn, options_.chunkSeconds);
        st.target.publish(edit());
        worked = true;
      } else if (!st.target.wanted(latestIn) && targetShown) {
        st.target.clear();
        st.target.publish(edit());
      }

      const ViewInputs in = st.cycleInputs();
      if (ViewJob* job = st.nextPending(in)) {
        job->step(in, options_.chunkSeconds);
        worked = st.computed = true;
        // Early: the frame holds nothing from other weights or another t, so a finished layer
        // may show now (the first picture; a layer switched on; a new box).
        const ViewFrame& shown = next ? *next : *st.frame;
        const bool alone = shown.modelVersion == 0 ||
                           (shown.modelVersion == st.stamp.snapshotVersion &&
                            shown.request.t == st.request.t);
        if (job->current(in) && alone) {
          ViewFrame& f = edit();
          job->publish(f);
          f.snapshot = st.snap;
          f.modelVersion = st.stamp.snapshotVersion;
          f.request = st.request;
          f.continuous = in.continuous;
        }
      } else {
        // The cycle is complete: every model layer from one snapshot and one request.
        const ViewFrame& shown = next ? *next : *st.frame;
        if (st.computed || shown.modelVersion != st.stamp.snapshotVersion ||
            !(shown.request == st.request)) {
          st.withModelLayers(in, edit());
          st.computed = false;
        }
        st.active = false;
        complete = true;
      }
      if (next) next->error.clear();
    } catch (const std::exception& e) {
      edit().error = e.what();
      st.active = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }

    if (next) {
      next->version = ++frameVersion;
      next->busyFraction = st.busyEma;
      st.frame = next;
    }
    // Up to date: the cycle just completed was the newest request with the newest weights.
    bool upToDate = complete && st.snap == st.latest;
    {
      std::lock_guard lock(mutex_);
      upToDate = upToDate && requestVersion_ == reqVersion && st.request == request_;
    }
    if (next || upToDate) publish(next, upToDate);

    const double busy = secondsSince(begin);
    if (worked) {
      double pause = 0.0;
      if (options_.maxBusyFraction > 0.0 && options_.maxBusyFraction < 1.0)
        pause = busy * (1.0 / options_.maxBusyFraction - 1.0);
      st.busyEma = 0.9 * st.busyEma + 0.1 * (busy / (busy + pause + 1e-9));
      if (pause > 0.0) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, stop, std::chrono::duration<double>(pause), [] { return false; });
      }
    } else {
      // Nothing to do until the request or the weights change.
      st.busyEma *= 0.9;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, std::chrono::milliseconds(options_.pollMilliseconds),
                     [&] { return requestVersion_ != reqVersion; });
    }
  }
}

}  // namespace flowlab::core
