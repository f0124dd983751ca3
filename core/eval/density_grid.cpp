// density_grid.cpp: exact log p_t and div v on a grid, blocks of rows over a few threads.
#include "core/eval/density_grid.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>

#include "core/base/grid_geometry.hpp"
#include "core/base/parallel.hpp"
#include "core/eval/flow_evaluator.hpp"

namespace flowlab::core {
namespace {

// Points per integrate call: enough columns for Eigen's kernels, small enough to stay in cache.
// Blocks are whole rows and fixed by the grid alone (not by the thread count), so the result
// does not depend on the number of threads, even for Dopri5 whose steps adapt per call.
constexpr int kBlockPoints = 512;

void checkSpec(const DensityGridSpec& spec) {
  if (spec.width < 1 || spec.height < 1)
    throw std::invalid_argument("density grid: width and height must be >= 1");
  if (!spec.box.valid() || !std::isfinite(spec.box.x0) || !std::isfinite(spec.box.x1) ||
      !std::isfinite(spec.box.y0) || !std::isfinite(spec.box.y1))
    throw std::invalid_argument("density grid: the box must be finite with x1 > x0 and y1 > y0");
  if (!(spec.t >= 0.0 && spec.t <= 1.0))
    throw std::invalid_argument("density grid: t must be in [0, 1]");
  if (static_cast<long long>(spec.width) * spec.height > 64ll * 1024 * 1024)
    throw std::invalid_argument("density grid: more than 64M cells");
  const SolverConfig& s = spec.solver;
  if (isAdaptive(s.solver)) {
    if (!(s.rtol > 0.0 && std::isfinite(s.rtol)) || !(s.atol > 0.0 && std::isfinite(s.atol)) ||
        s.maxSteps <= 0)
      throw std::invalid_argument(
          "density grid: dopri5 needs finite rtol, atol > 0 and maxSteps > 0");
  } else if (s.steps <= 0) {
    throw std::invalid_argument("density grid: solver steps must be > 0");
  }
}

DensityGrid emptyGrid(const DensityGridSpec& spec) {
  DensityGrid g;
  g.width = spec.width;
  g.height = spec.height;
  g.box = spec.box;
  g.t = spec.t;
  g.values.assign(static_cast<std::size_t>(spec.width) * spec.height, 0.0f);
  return g;
}

// Cell centres of rows [j0, j1) into x (2×(j1 − j0)·W).
void cellCentres(const DensityGridSpec& spec, int j0, int j1, Points& x) {
  const GridGeometry grid{spec.box, spec.width, spec.height};
  x.resize(2, static_cast<Eigen::Index>(j1 - j0) * spec.width);
  Eigen::Index k = 0;
  for (int j = j0; j < j1; ++j)
    for (int i = 0; i < spec.width; ++i, ++k) {
      x(0, k) = static_cast<float>(grid.centreX(i));
      x(1, k) = static_cast<float>(grid.centreY(j));
    }
}

// What one worker thread owns.
struct Worker {
  FlowEvaluator evaluator;
  OdeWorkspace ode;
  Points v;
  PointRow acc;
  Worker(const TrainerConfig& config, const ParamVec& params) : evaluator(config, params) {}
};

// Runs block(worker, x, out) over fixed row blocks on spec.threads threads (one Worker, so one
// FlowEvaluator, each); x holds a block's cell centres, out receives its values. Returns the
// largest per-block NFE. Rethrows the first worker exception.
template <class Block>
long forEachBlock(const TrainerConfig& config, const ParamVec& params, const DensityGridSpec& spec,
                  std::vector<float>& values, Block&& block) {
  const int rowsPerBlock = std::max(1, kBlockPoints / spec.width);
  const int blocks = (spec.height + rowsPerBlock - 1) / rowsPerBlock;
  const int threads =
      std::max(1, std::min(spec.threads > 0 ? spec.threads : hardwareThreads(), blocks));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<long> nfe(static_cast<std::size_t>(threads), 0);
  std::mutex progressMutex;
  int blocksDone = 0;
  // Blocks are claimed one at a time, so a thread the machine slows down takes fewer of them.
  parallelClaim(blocks, threads, [&](int worker, auto& claim) {
    try {
      Worker w(config, params);
      Points x;
      PointRow out;
      for (Eigen::Index k; (k = claim()) >= 0;) {
        const int j0 = static_cast<int>(k) * rowsPerBlock;
        const int j1 = std::min(spec.height, j0 + rowsPerBlock);
        cellCentres(spec, j0, j1, x);
        const long used = block(w, x, out);
        nfe[static_cast<std::size_t>(worker)] =
            std::max(nfe[static_cast<std::size_t>(worker)], used);
        std::copy(out.data(), out.data() + out.size(),
                  values.begin() + static_cast<std::ptrdiff_t>(j0) * spec.width);
        if (spec.progress) {
          std::lock_guard lock(progressMutex);
          spec.progress(static_cast<double>(++blocksDone) / blocks);
        }
      }
    } catch (...) {
      errors[static_cast<std::size_t>(worker)] = std::current_exception();
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return *std::max_element(nfe.begin(), nfe.end());
}

}  // namespace

SolverConfig densitySolverAt(double t, int stepsPerUnitTime) {
  const int steps = std::max(1, static_cast<int>(std::ceil(stepsPerUnitTime * t - 1e-9)));
  return SolverConfig::rk4(steps);
}

DensityGrid computeLogDensityGrid(const TrainerConfig& config, const ParamVec& params,
                                  const DensityGridSpec& spec) {
  checkSpec(spec);
  const bool continuous = isContinuous(config.method);
  if (!continuous && spec.t != 1.0)
    throw std::invalid_argument(
        "density grid: a discrete flow (realnvp) has a model density at t = 1 only");
  { FlowEvaluator check(config, params); }  // throws here, not in a worker, on a mismatch
  DensityGrid g = emptyGrid(spec);

  if (continuous && spec.t == 0.0) {
    // p₀ is the base N(0, I) for every continuous flow: no integration, exactly.
    Points x;
    PointRow out;
    cellCentres(spec, 0, spec.height, x);
    standardNormalLogDensity(x, out);
    std::copy(out.data(), out.data() + out.size(), g.values.begin());
  } else if (continuous) {
    // log p_t(x) = log N(x₀; 0, I) − ∫₀ᵗ div v dt: integrate each centre from t back to 0, where
    // integrateWithLogDensity leaves acc = ℓ(0) − ℓ(t) = +∫₀ᵗ div v dt.
    g.nfe =
        forEachBlock(config, params, spec, g.values, [&spec](Worker& w, Points& x, PointRow& out) {
          w.acc.setZero(x.cols());
          const IntegrationStats s = integrateWithLogDensity(w.evaluator.velocityDivFn(), x, w.acc,
                                                             spec.t, 0.0, spec.solver, w.ode);
          standardNormalLogDensity(x, out);
          out -= w.acc;
          return s.nfe;
        });
  } else {
    g.nfe =
        forEachBlock(config, params, spec, g.values, [&spec](Worker& w, Points& x, PointRow& out) {
          return w.evaluator.logDensity(x, spec.solver, out).nfe;
        });
  }

  // Σ exp(log p)·cell area, in double (NaN cells make the mass NaN: a visible failure).
  const double cellArea = spec.box.width() / spec.width * spec.box.height() / spec.height;
  double mass = 0.0;
  for (float v : g.values) mass += std::exp(static_cast<double>(v));
  g.mass = mass * cellArea;
  return g;
}

DensityGrid computeDivergenceGrid(const TrainerConfig& config, const ParamVec& params,
                                  const DensityGridSpec& spec) {
  checkSpec(spec);
  if (!isContinuous(config.method))
    throw std::invalid_argument("density grid: a discrete flow (realnvp) has no velocity field");
  { FlowEvaluator check(config, params); }
  DensityGrid g = emptyGrid(spec);
  g.nfe =
      forEachBlock(config, params, spec, g.values, [&spec](Worker& w, Points& x, PointRow& out) {
        w.v.resize(2, x.cols());
        out.resize(x.cols());
        w.evaluator.velocityDivergence(x, spec.t, w.v, out);
        return 1L;
      });
  return g;
}

}  // namespace flowlab::core
