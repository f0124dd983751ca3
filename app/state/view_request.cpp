// Building the view worker's request from the app's settings and camera.
#include "app/state/view_request.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app {

FieldGrid fieldGrid(const core::Box& visible, int arrowsAcross) {
  const double cell = std::max(visible.width(), visible.height()) / std::max(arrowsAcross, 1);
  FieldGrid g;
  g.cols = std::max(1, static_cast<int>(visible.width() / cell));
  g.rows = std::max(1, static_cast<int>(visible.height() / cell));
  const double cx = 0.5 * (visible.x0 + visible.x1), cy = 0.5 * (visible.y0 + visible.y1);
  g.box = {cx - 0.5 * g.cols * cell, cy - 0.5 * g.rows * cell, cx + 0.5 * g.cols * cell,
           cy + 0.5 * g.rows * cell};
  return g;
}

core::Box heatmapBox(const core::Box& visible) {
  const double side = std::max(visible.width(), visible.height());
  const double snap = std::pow(2.0, std::floor(std::log2(side / 8.0)));
  const double half = std::ceil(0.5 * side / snap) * snap;
  const double cx = 0.5 * (visible.x0 + visible.x1), cy = 0.5 * (visible.y0 + visible.y1);
  const double sx = std::round(cx / snap) * snap, sy = std::round(cy / snap) * snap;
  return {sx - half - snap, sy - half - snap, sx + half + snap, sy + half + snap};
}

core::ViewRequest viewRequest(const core::ViewSettings& v, const Timeline& timeline,
                              const core::Box& visible, bool continuous) {
  core::ViewRequest r;
  r.t = continuous ? timeline.t : 1.0;
  r.direction = timeline.direction;
  r.particles = v.particles;
  r.particleCount = v.particleCount;
  r.particleLogDensity = v.particles && v.colouring == core::ParticleColouring::ByLogDensity;
  r.paths = v.paths && continuous;
  r.pathCount = v.pathCount;
  r.knots = v.knots;
  r.field = v.field && v.arrows && continuous;
  r.streamlines = v.field && v.streamlines && continuous;
  r.streamlineSeeds = v.streamlineSeeds;
  const FieldGrid field = fieldGrid(visible, v.fieldArrows);
  r.fieldCols = field.cols;
  r.fieldRows = field.rows;
  r.fieldBox = field.box;
  r.density = v.density;
  r.divergence = v.divergence && continuous;
  // While the animation plays, the heatmaps chase a moving t: half the resolution (a quarter of
  // the work) keeps them close behind it; the full grid returns as soon as t stands still.
  const bool chasing = continuous && timeline.playing;
  r.heatmapWidth = r.heatmapHeight =
      chasing ? std::max(kMinHeatmapSize, v.heatmapSize / 2) : v.heatmapSize;
  r.heatmapBox = heatmapBox(visible);
  r.warpedGrid = v.warpedGrid;
  r.gridLines = v.gridLines;
  r.targetSamples = v.targetSamples;
  r.targetSampleCount = v.targetSampleCount;
  r.targetDensity = v.targetDensity;
  return r;
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
