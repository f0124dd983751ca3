// Building the view worker's request from the app's settings and camera.
#include "app/state/view_request.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app {

core::ViewRequest viewRequest(const core::ViewSettings& v, const Timeline& timeline,
                              const core::Box& visible, bool continuous) {
  return core::layerRequest(v, timeline.t, timeline.direction, visible, continuous,
                            continuous && timeline.playing);
}

void applySolverLab(core::ViewRequest& request, const SolverLab& lab,
                    const core::ViewSettings& view, core::FlowDirection direction, double t) {
  request.lab = lab.request(view, direction);
  request.lab.seed = request.seed;  // the particle layer's start points
  request.t = t;
  request.direction = direction;
  request.particles = request.paths = false;
  request.heatmapWidth = request.heatmapHeight = view.heatmapSize;  // t moves by steps
}

void applyCompare(core::ViewRequest& request, const core::ViewSettings& view, std::uint64_t race) {
  request.compare.on = true;
  request.compare.methods = race != 0;
  request.compare.race = race;
  request.compare.particles = std::clamp(view.particleCount, 1, kMaxCompareParticles);
  request.compare.knots = view.knots;
  request.compare.seed = request.seed;  // the particle layer's start points
  // The canvas shows the panels only: the current stage's own layers are not computed.
  request.particles = request.paths = request.field = request.streamlines = false;
  request.density = request.divergence = request.warpedGrid = request.targetDensity = false;
}

}  // namespace flowlab::app
