// The view worker's thread: schedules bounded pieces of work per layer and publishes frames.
#include "core/view_worker.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "core/flow.hpp"
#include "core/ode.hpp"
#include "core/rng.hpp"

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

// Catmull–Rom weights for the segment [p1, p2] at s in [0, 1] (uniform knots).
struct CatmullRom {
  float w0, w1, w2, w3;
  explicit CatmullRom(float s) {
    const float s2 = s * s, s3 = s2 * s;
    w0 = 0.5f * (-s + 2.0f * s2 - s3);
    w1 = 0.5f * (2.0f - 5.0f * s2 + 3.0f * s3);
    w2 = 0.5f * (s + 4.0f * s2 - 3.0f * s3);
    w3 = 0.5f * (-s2 + s3);
  }
};

// Segment index i (knots i, i+1) and local parameter s for time t on uniform knots.
void locate(const std::vector<double>& times, double t, int& i, float& s) {
  const int last = static_cast<int>(times.size()) - 1;
  if (last <= 0) {
    i = 0;
    s = 0.0f;
    return;
  }
  const double u =
      std::clamp((t - times.front()) / (times.back() - times.front()), 0.0, 1.0) * last;
  i = std::min(static_cast<int>(u), last - 1);
  s = static_cast<float>(u - i);
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

// Identity of what a particle table holds, apart from the weights it was computed with.
struct TableKey {
  int count = 0;
  FlowDirection direction = FlowDirection::Generate;
  bool logDensity = false;
  int knots = 0;
  std::uint64_t seed = 0;
  Box box{};                   // warped grid only
  int lines = 0, perLine = 0;  // warped grid only
  bool continuous = true;
  std::uint64_t targetVersion = 0;  // Normalize starts from target samples
  bool operator==(const TableKey& o) const {
    return sameShape(o) && targetVersion == o.targetVersion;
  }
  // Equal but for the target: the start points change, the table's shape does not.
  bool sameShape(const TableKey& o) const {
    return count == o.count && direction == o.direction && logDensity == o.logDensity &&
           knots == o.knots && seed == o.seed && sameBox(box, o.box) && lines == o.lines &&
           perLine == o.perLine && continuous == o.continuous;
  }
};

}  // namespace

bool ViewRequest::operator==(const ViewRequest& o) const {
  return t == o.t && direction == o.direction && seed == o.seed && particles == o.particles &&
         particleCount == o.particleCount && particleLogDensity == o.particleLogDensity &&
         paths == o.paths && pathCount == o.pathCount && knots == o.knots && field == o.field &&
         fieldCols == o.fieldCols && fieldRows == o.fieldRows && sameBox(fieldBox, o.fieldBox) &&
         density == o.density && divergence == o.divergence && heatmapWidth == o.heatmapWidth &&
         heatmapHeight == o.heatmapHeight && sameBox(heatmapBox, o.heatmapBox) &&
         densitySteps == o.densitySteps && warpedGrid == o.warpedGrid && gridLines == o.gridLines &&
         gridPointsPerLine == o.gridPointsPerLine && sameBox(gridBox, o.gridBox) &&
         targetSamples == o.targetSamples && targetSampleCount == o.targetSampleCount &&
         targetDensity == o.targetDensity;
}

// ---------------------------------------------------------------------------------------------
// ParticleTable

void ParticleTable::positionsAt(double t, Points& out) const {
  out.resize(2, valid);
  if (positions.empty() || valid == 0) return;
  if (positions.size() == 1) {
    out = positions[0].leftCols(valid);
    return;
  }
  int i;
  float s;
  locate(times, t, i, s);
  const int last = static_cast<int>(positions.size()) - 1;
  const auto p1 = positions[i].leftCols(valid);
  const auto p2 = positions[i + 1].leftCols(valid);
  const CatmullRom w(s);
  // Past either end the missing knot is reflected (p0 = 2·p1 − p2), so straight paths stay exact.
  if (i > 0)
    out = w.w0 * positions[i - 1].leftCols(valid) + w.w1 * p1;
  else
    out = (w.w1 + 2.0f * w.w0) * p1 - w.w0 * p2;
  out += w.w2 * p2;
  if (i + 2 <= last)
    out += w.w3 * positions[i + 2].leftCols(valid);
  else
    out += w.w3 * (2.0f * p2 - p1);
}

Eigen::Vector2f ParticleTable::positionAt(int column, double t) const {
  if (positions.size() == 1) return positions[0].col(column);
  int i;
  float s;
  locate(times, t, i, s);
  const int last = static_cast<int>(positions.size()) - 1;
  const CatmullRom w(s);
  const Eigen::Vector2f p1 = positions[i].col(column), p2 = positions[i + 1].col(column);
  const Eigen::Vector2f p0 =
      i > 0 ? Eigen::Vector2f(positions[i - 1].col(column)) : Eigen::Vector2f(2.0f * p1 - p2);
  const Eigen::Vector2f p3 = i + 2 <= last ? Eigen::Vector2f(positions[i + 2].col(column))
                                           : Eigen::Vector2f(2.0f * p2 - p1);
  return w.w0 * p0 + w.w1 * p1 + w.w2 * p2 + w.w3 * p3;
}

void ParticleTable::logDensityAt(double t, PointRow& out) const {
  out.resize(1, valid);
  if (logDensity.empty() || valid == 0) return;
  if (logDensity.size() == 1) {
    out = logDensity[0].leftCols(valid);
    return;
  }
  int i;
  float s;
  locate(times, t, i, s);
  out = (1.0f - s) * logDensity[i].leftCols(valid) + s * logDensity[i + 1].leftCols(valid);
}

std::pair<float, float> finiteQuantileRange(const std::vector<float>& values, double lo,
                                            double hi) {
  std::vector<float> v;
  v.reserve(values.size());
  for (float x : values)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return {0.0f, 0.0f};
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * (v.size() - 1));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
  };
  const float a = at(lo), b = at(hi);
  return {a, std::max(b, a)};
}

namespace {

// Fills columns [b, b + n) of the table from its start points with the given weights.
void carryChunk(const TrainerConfig& config, const ParamVec& params, const TableKey& key,
                ParticleTable& table, int b, int n) {
  FlowEvaluator flow(config, params);
  Points x = table.start.middleCols(b, n);
  if (!key.continuous) {
    // A discrete flow (RealNVP) only maps t = 0 to t = 1.
    flow.sample(x, SolverConfig{});
    table.positions[0].middleCols(b, n) = x;
    if (key.logDensity) {
      PointRow logp;
      flow.logDensity(x, SolverConfig{}, logp);
      table.logDensity[0].middleCols(b, n) = logp;
    }
    return;
  }
  const int last = key.knots;
  const SolverConfig solver{Solver::RK4, last, 1e-5, 1e-5, 100000};
  const bool forward = key.direction == FlowDirection::Generate;
  Trajectory traj;
  if (!key.logDensity) {
    integrate(flow.velocityFn(), x, forward ? 0.0 : 1.0, forward ? 1.0 : 0.0, solver, &traj);
  } else {
    PointRow ell(1, n);
    if (forward)
      standardNormalLogDensity(x, ell);  // ℓ(0) = log N(x0), so ℓ(t) = log p_t(x_t)
    else
      ell.setZero();  // ℓ(t) = ∫_t^1 div v ds; fixed up below once x0 is known
    integrateWithLogDensity(flow.velocityDivFn(), x, ell, forward ? 0.0 : 1.0, forward ? 1.0 : 0.0,
                            solver, &traj);
    if (static_cast<int>(traj.logDensities.size()) != last + 1)
      throw std::runtime_error("view worker: trajectory without log densities");
    if (!forward) {
      // log p_t(x_t) = log N(x0) − ∫_0^t div v ds = log N(x0) − (ℓ(0) − ℓ(t)).
      PointRow base(1, n);
      standardNormalLogDensity(x, base);
      for (auto& row : traj.logDensities) row = base - (ell - row);
    }
  }
  if (static_cast<int>(traj.states.size()) != last + 1)
    throw std::runtime_error("view worker: unexpected trajectory length");
  for (int k = 0; k <= last; ++k) {
    const int slot = forward ? k : last - k;  // knots are stored in ascending time
    table.positions[slot].middleCols(b, n) = traj.states[k];
    if (key.logDensity) table.logDensity[slot].middleCols(b, n) = traj.logDensities[k];
  }
}

// Start points of a warped grid: `lines` lines along x, then `lines` along y, each of
// `perLine` vertices, over box.
Points gridStarts(const Box& box, int lines, int perLine) {
  Points p(2, 2 * lines * perLine);
  for (int l = 0; l < lines; ++l) {
    const double a = lines > 1 ? static_cast<double>(l) / (lines - 1) : 0.5;
    for (int v = 0; v < perLine; ++v) {
      const double b = perLine > 1 ? static_cast<double>(v) / (perLine - 1) : 0.5;
      const int h = l * perLine + v, w = (lines + l) * perLine + v;
      p(0, h) = static_cast<float>(box.x0 + b * box.width());  // along x: y fixed
      p(1, h) = static_cast<float>(box.y0 + a * box.height());
      p(0, w) = static_cast<float>(box.x0 + a * box.width());  // along y: x fixed
      p(1, w) = static_cast<float>(box.y0 + b * box.height());
    }
  }
  return p;
}

// Points carried by the flow, refreshed a chunk at a time as new weights arrive.
class TableJob {
 public:
  static constexpr int kBlock = 256;

  // One bounded piece of work towards `key` with the snapshot's weights. Returns the table to
  // publish when something was computed, else null.
  std::shared_ptr<const ParticleTable> step(const Snapshot& snap, const LayerStamp& stamp,
                                            const TableKey& key,
                                            const std::function<Points()>& makeStarts,
                                            double chunkSeconds) {
    if (!active_ || !(key_ == key)) restart(key, makeStarts);
    const int n = work_.count();
    int b;
    if (work_.valid < n) {
      b = work_.valid;
    } else {
      const int blocks = static_cast<int>(version_.size());
      int found = -1;
      for (int i = 0; i < blocks && found < 0; ++i) {
        const int k = (cursor_ / kBlock + i) % blocks;
        if (version_[k] < stamp.snapshotVersion) found = k;
      }
      if (found < 0) return nullptr;
      b = found * kBlock;
    }
    const int len = std::min(chunk_, n - b);
    const auto begin = Clock::now();
    carryChunk(snap.model->config, snap.model->stages.back().params, key_, work_, b, len);
    const double seconds = secondsSince(begin);
    // Size the next chunk to take about chunkSeconds.
    const double perColumn = std::max(seconds / len, 1e-9);
    chunk_ = std::clamp(static_cast<int>(chunkSeconds / perColumn / kBlock) * kBlock, kBlock,
                        std::max(kBlock, n));
    work_.valid = std::max(work_.valid, b + len);
    cursor_ = (b + len) % std::max(n, 1);
    for (int k = b / kBlock; k * kBlock < b + len; ++k) {
      version_[k] = stamp.snapshotVersion;
      seen_[k] = stamp.seen;
    }
    work_.newest = stamp;
    const auto oldest = std::min_element(version_.begin(), version_.end()) - version_.begin();
    work_.oldest = {version_[oldest], seen_[oldest]};
    return std::make_shared<const ParticleTable>(work_);
  }

  void clear() { active_ = false; }

 private:
  void restart(const TableKey& key, const std::function<Points()>& makeStarts) {
    const bool keep = active_ && key_.sameShape(key);  // new target samples: refresh in place
    key_ = key;
    active_ = true;
    work_.start = makeStarts();
    const int n = work_.count();
    if (keep) {
      std::fill(version_.begin(), version_.end(), 0);
      return;
    }
    work_.times.clear();
    if (key.continuous) {
      for (int k = 0; k <= key.knots; ++k)
        work_.times.push_back(static_cast<double>(k) / key.knots);
    } else {
      work_.times.push_back(1.0);
    }
    work_.positions.assign(work_.times.size(), work_.start);
    work_.logDensity.assign(key.logDensity ? work_.times.size() : 0, PointRow::Zero(1, n));
    work_.valid = 0;
    version_.assign((n + kBlock - 1) / kBlock, 0);
    seen_.assign(version_.size(), Clock::time_point{});
    cursor_ = 0;
  }

  TableKey key_;
  bool active_ = false;
  ParticleTable work_;
  std::vector<std::uint64_t> version_;  // snapshot version per block of kBlock columns
  std::vector<Clock::time_point> seen_;
  int cursor_ = 0;
  int chunk_ = kBlock;
};

bool sameGeometry(const DensityGridSpec& a, const DensityGridSpec& b) {
  return a.width == b.width && a.height == b.height && sameBox(a.box, b.box);
}

// A scalar grid (log p_t or div v) built strip by strip from one snapshot. Published when
// complete; the first grid of a new geometry is published progressively.
class GridJob {
 public:
  explicit GridJob(bool logDensity) : logDensity_(logDensity) {}

  // One strip of work towards `want` with the newest snapshot. Returns false when the
  // published grid is already up to date; `out` receives a grid to publish, if any.
  bool step(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
            const DensityGridSpec& want, double chunkSeconds,
            std::shared_ptr<const GridLayer>& out) {
    if (!building_) {
      const bool upToDate = haveDone_ && sameGeometry(done_, want) && done_.t == want.t &&
                            done_.solver.steps == want.solver.steps &&
                            doneVersion_ == stamp.snapshotVersion;
      if (upToDate) return false;
      start(snap, stamp, want);
    } else if (!sameGeometry(spec_, want)) {
      start(snap, stamp, want);
    }
    const int w = spec_.width, h = spec_.height;
    const int rows =
        std::clamp(static_cast<int>(chunkSeconds / (secondsPerCell_ * w)), 1, h - nextRow_);
    const double dy = spec_.box.height() / h;
    DensityGridSpec strip = spec_;
    strip.height = rows;
    strip.box.y0 = spec_.box.y0 + nextRow_ * dy;
    strip.box.y1 = spec_.box.y0 + (nextRow_ + rows) * dy;
    strip.threads = 1;
    const auto begin = Clock::now();
    const Model& model = *snap_->model;
    const DensityGrid part =
        logDensity_ ? computeLogDensityGrid(model.config, model.stages.back().params, strip)
                    : computeDivergenceGrid(model.config, model.stages.back().params, strip);
    const double perCell = secondsSince(begin) / (static_cast<double>(rows) * w);
    secondsPerCell_ = 0.5 * secondsPerCell_ + 0.5 * std::max(perCell, 1e-9);
    std::copy(part.values.begin(), part.values.end(),
              values_.begin() + static_cast<std::ptrdiff_t>(nextRow_) * w);
    nfe_ = part.nfe;
    nextRow_ += rows;
    const bool progressive = !haveDone_ || !sameGeometry(done_, spec_);
    if (nextRow_ >= h) {
      building_ = false;
      haveDone_ = true;
      done_ = spec_;
      doneVersion_ = buildStamp_.snapshotVersion;
      snap_.reset();
      out = publish(true);
    } else if (progressive) {
      out = publish(false);
    }
    return true;
  }

  void clear() {
    building_ = false;
    haveDone_ = false;
    snap_.reset();
  }

 private:
  void start(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
             const DensityGridSpec& want) {
    building_ = true;
    spec_ = want;
    snap_ = snap;
    buildStamp_ = stamp;
    values_.assign(static_cast<std::size_t>(want.width) * want.height,
                   std::numeric_limits<float>::quiet_NaN());
    nextRow_ = 0;
  }

  std::shared_ptr<const GridLayer> publish(bool complete) const {
    auto layer = std::make_shared<GridLayer>();
    layer->grid.width = spec_.width;
    layer->grid.height = spec_.height;
    layer->grid.box = spec_.box;
    layer->grid.t = spec_.t;
    layer->grid.values = values_;
    layer->grid.nfe = nfe_;
    if (logDensity_) {
      const double cell = spec_.box.width() * spec_.box.height() / (spec_.width * spec_.height);
      double mass = 0.0;
      for (float v : values_)
        if (std::isfinite(v)) mass += std::exp(static_cast<double>(v)) * cell;
      layer->grid.mass = mass;
    }
    // Log densities: the top of the range matters; divergences: a symmetric robust scale.
    const auto [lo, hi] = logDensity_ ? finiteQuantileRange(values_, 0.01, 0.999)
                                      : finiteQuantileRange(values_, 0.05, 0.95);
    layer->lo = lo;
    layer->hi = hi;
    layer->complete = complete;
    layer->stamp = buildStamp_;
    return layer;
  }

  bool logDensity_;
  bool building_ = false;
  DensityGridSpec spec_;
  std::shared_ptr<const Snapshot> snap_;  // the weights of the grid being built
  LayerStamp buildStamp_;
  std::vector<float> values_;
  int nextRow_ = 0;
  long nfe_ = 0;
  double secondsPerCell_ = 2e-5;
  bool haveDone_ = false;
  DensityGridSpec done_;
  std::uint64_t doneVersion_ = 0;
};

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

bool ViewFrame::hasAllLayers() const {
  const ViewRequest& r = request;
  auto full = [](const std::shared_ptr<const ParticleTable>& p) {
    return p && p->valid == p->count();
  };
  if (!snapshot) return false;
  if ((r.particles || r.paths) && !full(particles)) return false;
  if (r.warpedGrid && !full(grid)) return false;
  if (continuous && r.field && !field) return false;
  if (r.density && !(density && density->complete)) return false;
  if (continuous && r.divergence && !(divergence && divergence->complete)) return false;
  if (r.targetSamples && !targetSamples) return false;
  if (r.targetDensity && !targetDensity) return false;
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
