// Exact model densities on a grid: log p_t(x) at the cell centres of a W×H grid for any
// t in [0, 1], by integrating each centre back to t = 0 with the exact divergence
// (d log p/dt = −tr(∂v/∂x)) and adding log N(x0; 0, I). Also the divergence field div v(x, t).
// Feeds the app's heatmaps and `flowlab density`. Multi-threaded over grid rows; callable from
// any thread (the view worker); allocates its own buffers per call.
#pragma once

#include <functional>
#include <vector>

#include "core/base/types.hpp"
#include "core/model/model.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

struct DensityGridSpec {
  int width = 128;                             // cells along x, ≥ 1
  int height = 128;                            // cells along y, ≥ 1
  Box box{};                                   // world rectangle covered by the grid
  double t = 1.0;                              // time of the density p_t (t = 0: the base N(0, I))
  SolverConfig solver = SolverConfig::rk4(8);  // for the backward integration
  int threads = 0;                             // 0: all hardware threads
  // Called with the fraction of the grid done after each block of rows (on the worker threads,
  // one call at a time); may be empty.
  std::function<void(double fraction)> progress;
};

struct DensityGrid {
  int width = 0, height = 0;
  Box box{};
  double t = 1.0;
  // values[j·width + i] at the centre of cell (i, j): x = x0 + (i + ½)·dx,
  // y = y0 + (j + ½)·dy — row j = 0 is the BOTTOM row (y0), as for a GL texture.
  std::vector<float> values;
  double mass = 0.0;  // Σ exp(logp)·cellArea (≈ 1 when the box covers the support); log grids only
  long nfe = 0;       // field evaluations per point
};

// The solver of the app's exact log p_t (heatmap and inspector alike): RK4 with
// ⌈stepsPerUnitTime · t⌉ steps (at least one) over the backward integration from t to 0.
SolverConfig densitySolverAt(double t, int stepsPerUnitTime);

// log p_t on the grid for a model stage (continuous flows; RealNVP at t = 1 only).
// Throws std::invalid_argument on a bad spec.
DensityGrid computeLogDensityGrid(const TrainerConfig& config, const ParamVec& params,
                                  const DensityGridSpec& spec);

// div v(x, t) on the grid (continuous flows only; mass is left 0).
DensityGrid computeDivergenceGrid(const TrainerConfig& config, const ParamVec& params,
                                  const DensityGridSpec& spec);

}  // namespace flowlab::core
