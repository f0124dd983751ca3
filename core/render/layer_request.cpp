// Building the view worker's request from the layer settings and what the camera shows.
#include "core/render/layer_request.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::core {

FieldGrid fieldGrid(const Box& visible, int arrowsAcross) {
  const double cell = std::max(visible.width(), visible.height()) / std::max(arrowsAcross, 1);
  FieldGrid g;
  g.cols = std::max(1, static_cast<int>(visible.width() / cell));
  g.rows = std::max(1, static_cast<int>(visible.height() / cell));
  const double cx = 0.5 * (visible.x0 + visible.x1), cy = 0.5 * (visible.y0 + visible.y1);
  g.box = {cx - 0.5 * g.cols * cell, cy - 0.5 * g.rows * cell, cx + 0.5 * g.cols * cell,
           cy + 0.5 * g.rows * cell};
  return g;
}

Box heatmapBox(const Box& visible) {
  const double side = std::max(visible.width(), visible.height());
  const double snap = std::pow(2.0, std::floor(std::log2(side / 8.0)));
  const double half = std::ceil(0.5 * side / snap) * snap;
  const double cx = 0.5 * (visible.x0 + visible.x1), cy = 0.5 * (visible.y0 + visible.y1);
  const double sx = std::round(cx / snap) * snap, sy = std::round(cy / snap) * snap;
  return {sx - half - snap, sy - half - snap, sx + half + snap, sy + half + snap};
}

ViewRequest layerRequest(const ViewSettings& v, double t, FlowDirection direction,
                         const Box& visible, bool continuous, bool moving) {
  ViewRequest r;
  r.t = continuous ? t : 1.0;
  r.direction = direction;
  r.particles = v.particles;
  r.particleCount = v.particleCount;
  r.particleLogDensity = v.particles && v.colouring == ParticleColouring::ByLogDensity;
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
  r.heatmapWidth = r.heatmapHeight =
      moving ? std::max(kMinHeatmapSize, v.heatmapSize / 2) : v.heatmapSize;
  r.heatmapBox = heatmapBox(visible);
  r.warpedGrid = v.warpedGrid;
  r.gridLines = v.gridLines;
  r.targetSamples = v.targetSamples;
  r.targetSampleCount = v.targetSampleCount;
  r.targetDensity = v.targetDensity;
  return r;
}

}  // namespace flowlab::core
