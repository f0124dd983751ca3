// Carrying particles through the flow a chunk at a time (RK4 at uniform knots, with log p_t
// along the path when asked), and choosing which chunk to refresh next.
#include "core/view_table_job.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/flow.hpp"
#include "core/ode.hpp"

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

std::shared_ptr<const ParticleTable> TableJob::step(const Snapshot& snap, const LayerStamp& stamp,
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

void TableJob::restart(const TableKey& key, const std::function<Points()>& makeStarts) {
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
    for (int k = 0; k <= key.knots; ++k) work_.times.push_back(static_cast<double>(k) / key.knots);
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

}  // namespace flowlab::core
