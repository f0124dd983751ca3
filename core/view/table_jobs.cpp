// Carrying points through the flow a chunk at a time (RK4 at uniform knots, with log p_t along
// the path when asked); a table is published only when all its columns carry the same weights.
#include "core/view/table_jobs.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <vector>

#include "core/base/parallel.hpp"
#include "core/base/rng.hpp"
#include "core/base/stopwatch.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

// Fills columns [b, b + n) of the table from its start points with the given weights.
void carryColumns(const TrainerConfig& config, const ParamVec& params, const TableKey& key,
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
  const SolverConfig solver = SolverConfig::rk4(last);
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

// carryColumns on `threads` threads, each a contiguous share of the columns; an error on any
// of them is thrown here.
void carryChunk(const TrainerConfig& config, const ParamVec& params, const TableKey& key,
                ParticleTable& table, int b, int n, int threads) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max(threads, 1)));
  parallelColumns(n, threads, [&](Eigen::Index begin, Eigen::Index end, int worker) {
    try {
      carryColumns(config, params, key, table, b + static_cast<int>(begin),
                   static_cast<int>(end - begin));
    } catch (...) {
      errors[static_cast<std::size_t>(worker)] = std::current_exception();
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

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

ParticleTable carriedTable(const TrainerConfig& config, const ParamVec& params,
                           const Points& starts, int knots) {
  TableKey key;
  key.count = static_cast<int>(starts.cols());
  key.knots = std::max(1, knots);
  key.continuous = isContinuous(config.method);
  ParticleTable table;
  table.start = starts;
  if (key.continuous) {
    for (int k = 0; k <= key.knots; ++k) table.times.push_back(static_cast<double>(k) / key.knots);
  } else {
    table.times.push_back(1.0);
  }
  table.positions.assign(table.times.size(), starts);
  if (key.count > 0) carryChunk(config, params, key, table, 0, key.count, 1);
  return table;
}

// ---- TableBuilder ----------------------------------------------------------------------------

void TableBuilder::step(const ViewInputs& in, const TableKey& key,
                        const std::function<Points()>& makeStarts, double chunkSeconds) {
  const std::uint64_t version = in.stamp.snapshotVersion;
  if (!building_ || !(key_ == key) || version_ != version) {
    // A new table: fresh start points only when the key changed (new weights reuse them).
    if (!building_ || !(key_ == key)) {
      const bool sameStarts = done_ && doneKey_ == key;
      work_ = ParticleTable{};
      work_.start = sameStarts ? done_->start : makeStarts();
      if (key.continuous) {
        for (int k = 0; k <= key.knots; ++k)
          work_.times.push_back(static_cast<double>(k) / key.knots);
      } else {
        work_.times.push_back(1.0);
      }
      work_.positions.assign(work_.times.size(), work_.start);
      work_.logDensity.assign(key.logDensity ? work_.times.size() : 0,
                              PointRow::Zero(1, work_.count()));
    }
    key_ = key;
    version_ = version;
    building_ = true;
    next_ = 0;
  }
  const int n = work_.count();
  const int len = std::min(chunk_, n - next_);
  const auto begin = Clock::now();
  if (len > 0)
    carryChunk(in.snapshot.model->config, in.params, key_, work_, next_, len, in.threads);
  // Size the next chunk to take about chunkSeconds.
  const double perColumn = std::max(secondsSince(begin) / std::max(len, 1), 1e-9);
  chunk_ = std::clamp(static_cast<int>(chunkSeconds / perColumn), 64, std::max(64, n));
  next_ += std::max(len, 0);
  if (next_ < n) return;
  work_.stamp = in.stamp;
  done_ = std::make_shared<const ParticleTable>(work_);
  doneKey_ = key_;
  doneVersion_ = version_;
  building_ = false;
}

void TableBuilder::clear() {
  building_ = false;
  done_.reset();
  doneVersion_ = 0;
}

// ---- Particles -------------------------------------------------------------------------------

TableKey ParticlesJob::keyFor(const ViewInputs& in) {
  const ViewRequest& r = in.request;
  TableKey key;
  key.count = std::max(r.particles ? r.particleCount : 0, r.paths ? r.pathCount : 0);
  key.direction = in.continuous ? r.direction : FlowDirection::Generate;
  key.logDensity = r.particleLogDensity;
  key.knots = std::max(1, r.knots);
  key.seed = r.seed;
  key.continuous = in.continuous;
  key.targetVersion = key.direction == FlowDirection::Normalize ? in.snapshot.targetVersion : 0;
  return key;
}

bool ParticlesJob::wanted(const ViewInputs& in) const {
  return in.request.particles || in.request.paths;
}

bool ParticlesJob::current(const ViewInputs& in) const {
  return table_.current(in.stamp.snapshotVersion, keyFor(in));
}

void ParticlesJob::step(const ViewInputs& in, double chunkSeconds) {
  const TableKey key = keyFor(in);
  auto makeStarts = [&] {
    Points x(2, key.count);
    Rng rng(key.seed);
    if (key.direction == FlowDirection::Normalize && in.snapshot.target)
      in.snapshot.target->sample(x, rng);
    else
      rng.fillNormal(x);
    return x;
  };
  table_.step(in, key, makeStarts, chunkSeconds);
}

// ---- Warped grid -----------------------------------------------------------------------------

TableKey WarpedGridJob::keyFor(const ViewInputs& in) {
  const ViewRequest& r = in.request;
  TableKey key;
  key.count = 2 * r.gridLines * r.gridPointsPerLine;
  key.knots = std::max(1, r.knots);
  key.box = r.gridBox;
  key.lines = r.gridLines;
  key.perLine = r.gridPointsPerLine;
  key.continuous = in.continuous;
  return key;
}

bool WarpedGridJob::current(const ViewInputs& in) const {
  return table_.current(in.stamp.snapshotVersion, keyFor(in));
}

void WarpedGridJob::step(const ViewInputs& in, double chunkSeconds) {
  const TableKey key = keyFor(in);
  table_.step(
      in, key, [&] { return gridStarts(key.box, key.lines, key.perLine); }, chunkSeconds);
}

void WarpedGridJob::publish(ViewFrame& frame) const {
  frame.grid = table_.done();
  frame.gridLines = frame.grid ? table_.doneKey().lines : 0;
  frame.gridPointsPerLine = frame.grid ? table_.doneKey().perLine : 0;
}

}  // namespace flowlab::core
