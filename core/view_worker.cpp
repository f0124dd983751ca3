// The view worker's thread: schedules bounded pieces of work per layer and publishes frames.
#include "core/view_worker.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "core/flow.hpp"
#include "core/rng.hpp"
#include "core/view_grid_job.hpp"
#include "core/view_table_job.hpp"

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

// Cell centres of a cols × rows grid over box, row-major from the bottom row: 2×(cols·rows).
Points cellCentres(const Box& box, int cols, int rows) {
  Points p(2, static_cast<Eigen::Index>(cols) * rows);
  const double dx = box.width() / cols, dy = box.height() / rows;
  for (int j = 0; j < rows; ++j)
    for (int i = 0; i < cols; ++i) {
      p(0, j * cols + i) = static_cast<float>(box.x0 + (i + 0.5) * dx);
      p(1, j * cols + i) = static_cast<float>(box.y0 + (j + 0.5) * dy);
    }
  return p;
}

const ParamVec* currentParams(const Snapshot& s) {
  if (!s.model || s.model->stages.empty()) return nullptr;
  return &s.model->stages.back().params;
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

// ---------------------------------------------------------------------------------------------
// The worker

struct ViewWorker::State {
  std::shared_ptr<const Snapshot> snap;
  LayerStamp stamp;
  TableJob particles, grid;
  GridJob density{true}, divergence{false};
  int roundRobin = 0;

  // Field arrows: recomputed whenever any input changes (cheap).
  std::uint64_t fieldVersion = 0;
  double fieldT = -1.0;
  Box fieldBox{};
  int fieldCols = 0, fieldRows = 0;

  // Streamlines: recomputed when the weights, t, the box or the seeds change.
  std::uint64_t streamVersion = 0;
  double streamT = -1.0;
  Box streamBox{};
  int streamSeeds = 0;

  // Target layers: recomputed when the target or their request changes.
  const Target* target = nullptr;
  std::uint64_t targetVersion = 0;
  ViewRequest targetRequest{};
  bool targetDone = false;

  double busyEma = 0.0;
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

bool ViewWorker::waitUntilUpToDate(std::chrono::milliseconds timeout) const {
  const auto end = Clock::now() + timeout;
  while (!upToDate_.load()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ViewWorker::run(std::stop_token stop) {
  nameThread();
  if (options_.lowPriority) setLowPriority();
  State& st = *state_;
  std::uint64_t frameVersion = 0;
  while (!stop.stop_requested()) {
    ViewRequest req;
    std::uint64_t reqVersion;
    {
      std::lock_guard lock(mutex_);
      req = request_;
      reqVersion = requestVersion_;
    }
    auto snap = source_ ? source_() : nullptr;
    if (snap && (!st.snap || snap->version != st.stamp.snapshotVersion))
      st.stamp = {snap->version, Clock::now()};
    if (snap) st.snap = snap;
    const ParamVec* params = snap ? currentParams(*snap) : nullptr;
    if (!params) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, std::chrono::milliseconds(options_.pollMilliseconds),
                     [&] { return requestVersion_ != reqVersion; });
      continue;
    }

    const auto begin = Clock::now();
    const TrainerConfig& config = snap->model->config;
    const bool continuous = isContinuous(config.method);
    auto next = std::make_shared<ViewFrame>(*frame());
    bool changed = next->snapshot != snap || !(next->request == req);
    next->snapshot = snap;
    next->request = req;
    next->continuous = continuous;
    bool worked = false;
    try {
      // Cheap layers first: the field arrows and the target.
      if (continuous && req.field) {
        const bool dirty =
            st.fieldVersion != st.stamp.snapshotVersion || st.fieldT != req.t ||
            !sameGeometry(DensityGridSpec{st.fieldCols, st.fieldRows, st.fieldBox},
                          DensityGridSpec{req.fieldCols, req.fieldRows, req.fieldBox}) ||
            !next->field;
        if (dirty) {
          auto field = std::make_shared<FieldSamples>();
          field->cols = req.fieldCols;
          field->rows = req.fieldRows;
          field->box = req.fieldBox;
          field->t = req.t;
          field->positions = cellCentres(req.fieldBox, req.fieldCols, req.fieldRows);
          FlowEvaluator flow(config, *params);
          flow.velocity(field->positions, req.t, field->velocities);
          std::vector<float> speeds(field->velocities.cols());
          for (Eigen::Index i = 0; i < field->velocities.cols(); ++i)
            speeds[i] = field->velocities.col(i).norm();
          field->maxSpeed = finiteQuantileRange(speeds, 0.0, 0.98).second;
          field->stamp = st.stamp;
          next->field = field;
          st.fieldVersion = st.stamp.snapshotVersion;
          st.fieldT = req.t;
          st.fieldBox = req.fieldBox;
          st.fieldCols = req.fieldCols;
          st.fieldRows = req.fieldRows;
          changed = worked = true;
        }
      } else if (next->field) {
        next->field.reset();
        st.fieldVersion = 0;
        changed = true;
      }

      if (continuous && req.streamlines) {
        const bool dirty = st.streamVersion != st.stamp.snapshotVersion || st.streamT != req.t ||
                           !sameBox(st.streamBox, req.fieldBox) ||
                           st.streamSeeds != req.streamlineSeeds || !next->streamlines;
        if (dirty) {
          const Box& box = req.fieldBox;
          const double side = std::max(box.width(), box.height());
          const int seeds = std::max(1, req.streamlineSeeds);
          const int cols = std::max(1, static_cast<int>(std::lround(seeds * box.width() / side)));
          const int rows = std::max(1, static_cast<int>(std::lround(seeds * box.height() / side)));
          FlowEvaluator flow(config, *params);
          const double t = req.t;
          // Steps of 1/200 of the view: smooth at any zoom; a line can cross the view twice.
          auto lines = std::make_shared<Streamlines>(traceStreamlines(
              [&](const Points& x, Points& v) { flow.velocity(x, t, v); },
              jitteredGridSeeds(box, cols, rows, req.seed), box, side / 200.0, 300));
          lines->t = t;
          lines->stamp = st.stamp;
          next->streamlines = lines;
          st.streamVersion = st.stamp.snapshotVersion;
          st.streamT = req.t;
          st.streamBox = box;
          st.streamSeeds = req.streamlineSeeds;
          changed = worked = true;
        }
      } else if (next->streamlines) {
        next->streamlines.reset();
        st.streamVersion = 0;
        changed = true;
      }

      const Target* target = snap->target.get();
      ViewRequest targetReq = req;  // only the fields the target layers depend on matter
      const bool targetDirty =
          target != st.target || snap->targetVersion != st.targetVersion || !st.targetDone ||
          targetReq.targetSamples != st.targetRequest.targetSamples ||
          targetReq.targetSampleCount != st.targetRequest.targetSampleCount ||
          targetReq.seed != st.targetRequest.seed ||
          targetReq.targetDensity != st.targetRequest.targetDensity ||
          (targetReq.targetDensity &&
           !sameGeometry(
               DensityGridSpec{req.heatmapWidth, req.heatmapHeight, req.heatmapBox},
               DensityGridSpec{st.targetRequest.heatmapWidth, st.targetRequest.heatmapHeight,
                               st.targetRequest.heatmapBox}));
      if (target && targetDirty) {
        next->targetSamples.reset();
        next->targetDensity.reset();
        if (req.targetSamples) {
          auto samples = std::make_shared<Points>(2, req.targetSampleCount);
          Rng rng(req.seed ^ 0x5eedf00dULL);
          target->sample(*samples, rng);
          next->targetSamples = samples;
        }
        if (req.targetDensity) {
          auto layer = std::make_shared<GridLayer>();
          DensityGrid& g = layer->grid;
          g.width = req.heatmapWidth;
          g.height = req.heatmapHeight;
          g.box = req.heatmapBox;
          const Points centres = cellCentres(g.box, g.width, g.height);
          Eigen::VectorXd logp;
          target->logDensity(centres, logp);
          g.values.resize(logp.size());
          for (Eigen::Index i = 0; i < logp.size(); ++i) g.values[i] = static_cast<float>(logp(i));
          const auto [lo, hi] = finiteQuantileRange(g.values, 0.01, 0.999);
          layer->lo = lo;
          layer->hi = hi;
          layer->stamp = st.stamp;
          next->targetDensity = layer;
        }
        next->targetStamp = st.stamp;
        st.target = target;
        st.targetVersion = snap->targetVersion;
        st.targetRequest = req;
        st.targetDone = true;
        changed = worked = true;
      }

      // Heavy layers: one bounded piece per iteration, taken in turn.
      for (int i = 0; i < 4; ++i) {
        const int job = (st.roundRobin + i) % 4;
        bool did = false;
        if (job == 0) {
          if (req.particles || req.paths) {
            TableKey key;
            key.count =
                std::max(req.particles ? req.particleCount : 0, req.paths ? req.pathCount : 0);
            key.direction = continuous ? req.direction : FlowDirection::Generate;
            key.logDensity = req.particleLogDensity;
            key.knots = std::max(1, req.knots);
            key.seed = req.seed;
            key.continuous = continuous;
            key.targetVersion = key.direction == FlowDirection::Normalize ? snap->targetVersion : 0;
            auto makeStarts = [&] {
              Points x(2, key.count);
              Rng rng(key.seed);
              if (key.direction == FlowDirection::Normalize && snap->target)
                snap->target->sample(x, rng);
              else
                rng.fillNormal(x);
              return x;
            };
            if (auto table =
                    st.particles.step(*snap, st.stamp, key, makeStarts, options_.chunkSeconds)) {
              next->particles = table;
              did = true;
            }
          } else if (next->particles) {
            next->particles.reset();
            st.particles.clear();
            changed = true;
          }
        } else if (job == 1) {
          if (req.warpedGrid) {
            TableKey key;
            key.count = 2 * req.gridLines * req.gridPointsPerLine;
            key.knots = std::max(1, req.knots);
            key.box = req.gridBox;
            key.lines = req.gridLines;
            key.perLine = req.gridPointsPerLine;
            key.continuous = continuous;
            auto makeStarts = [&] { return gridStarts(key.box, key.lines, key.perLine); };
            if (auto table =
                    st.grid.step(*snap, st.stamp, key, makeStarts, options_.chunkSeconds)) {
              next->grid = table;
              next->gridLines = req.gridLines;
              next->gridPointsPerLine = req.gridPointsPerLine;
              did = true;
            }
          } else if (next->grid) {
            next->grid.reset();
            st.grid.clear();
            changed = true;
          }
        } else {
          const bool isDensity = job == 2;
          const bool wanted = isDensity ? req.density : (req.divergence && continuous);
          GridJob& gridJob = isDensity ? st.density : st.divergence;
          auto& slot = isDensity ? next->density : next->divergence;
          if (wanted) {
            DensityGridSpec spec;
            spec.width = req.heatmapWidth;
            spec.height = req.heatmapHeight;
            spec.box = req.heatmapBox;
            spec.t = continuous ? req.t : 1.0;
            spec.solver = SolverConfig{
                Solver::RK4,
                std::max(1, static_cast<int>(std::ceil(req.densitySteps * spec.t - 1e-9))), 1e-5,
                1e-5, 100000};
            spec.threads = 1;
            std::shared_ptr<const GridLayer> layer;
            did = gridJob.step(snap, st.stamp, spec, options_.chunkSeconds, layer);
            if (layer) slot = layer;
          } else if (slot) {
            slot.reset();
            gridJob.clear();
            changed = true;
          }
        }
        if (did) {
          st.roundRobin = job + 1;
          changed = worked = true;
          break;
        }
      }
      next->error.clear();
    } catch (const std::exception& e) {
      next->error = e.what();
      changed = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }

    const double busy = secondsSince(begin);
    if (worked) upToDate_ = false;
    if (changed) {
      next->version = ++frameVersion;
      next->busyFraction = st.busyEma;
      std::lock_guard lock(mutex_);
      frame_ = std::move(next);
    }
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
      {
        std::lock_guard lock(mutex_);
        if (requestVersion_ == reqVersion) upToDate_ = true;
      }
      st.busyEma *= 0.9;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, std::chrono::milliseconds(options_.pollMilliseconds),
                     [&] { return requestVersion_ != reqVersion; });
    }
  }
}

}  // namespace flowlab::core