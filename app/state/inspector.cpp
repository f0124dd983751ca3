// One-point evaluation for the inspector: the heatmap's and the field layer's computations at
// one point.
#include "app/state/inspector.hpp"

#include <exception>

#include "core/eval/density_grid.hpp"
#include "core/eval/flow_evaluator.hpp"

namespace flowlab::app {

const Probe& Inspector::probe(const std::shared_ptr<const core::Snapshot>& snapshot, double x,
                              double y, double t, int densitySteps) {
  if (!snapshot || !snapshot->model || snapshot->model->stages.empty()) {
    probe_ = Probe{};
    return probe_;
  }
  if (probe_.valid && version_ == snapshot->version && probe_.x == x && probe_.y == y &&
      probe_.t == t && steps_ == densitySteps)
    return probe_;
  Probe p;
  p.x = x;
  p.y = y;
  p.t = t;
  const core::TrainerConfig& config = snapshot->model->config;
  const core::ParamVec& params = snapshot->model->stages.back().params;
  try {
    const bool continuous = core::isContinuous(config.method);
    if (continuous) {
      core::FlowEvaluator flow(config, params);
      core::Points point(2, 1);
      point << static_cast<float>(x), static_cast<float>(y);
      core::Points v;
      core::PointRow div;
      flow.velocityDivergence(point, t, v, div);
      p.hasField = true;
      p.vx = v(0, 0);
      p.vy = v(1, 0);
      p.divergence = div(0, 0);
    }
    if (continuous || t == 1.0) {
      // A 1×1 density grid centred on the point: the heatmap's computation, with its solver.
      core::DensityGridSpec spec;
      spec.width = spec.height = 1;
      spec.box = core::Box{x - 1e-3, y - 1e-3, x + 1e-3, y + 1e-3};
      spec.t = continuous ? t : 1.0;
      spec.solver = core::densitySolverAt(spec.t, densitySteps);
      spec.threads = 1;
      const core::DensityGrid grid = core::computeLogDensityGrid(config, params, spec);
      p.hasLogDensity = !grid.values.empty();
      if (p.hasLogDensity) p.logDensity = grid.values[0];
    }
    p.valid = true;
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  probe_ = p;
  version_ = snapshot->version;
  steps_ = densitySteps;
  return probe_;
}

}  // namespace flowlab::app
