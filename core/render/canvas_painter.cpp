// Which layers go into the canvas image, with which colours and opacities, and what of it is
// kept between frames.
#include "core/render/canvas_painter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/render/colours.hpp"
#include "core/render/coupling_painter.hpp"
#include "core/render/solver_lab_painter.hpp"

namespace flowlab::core {

namespace {

// Pathlines are sampled this many times per knot interval of the particle table.
constexpr int kPathSubdivisions = 6;

const PackedRgb kTargetSampleColour = core::packed({0.85f, 0.85f, 0.9f});
const PackedRgb kWhite = core::packed({1.0f, 1.0f, 1.0f});
const PackedRgb kGridAlongX = core::packed({0.95f, 0.75f, 0.35f});
const PackedRgb kGridAlongY = core::packed({0.45f, 0.8f, 0.95f});

// Slow arrows and streamlines are grey-blue; faster ones climb the sequential ramp.
PackedRgb speedColour(float s) {
  const core::Colour ramp = core::sequentialColour(0.35f + 0.65f * s);
  return core::packed({0.15f * 0.55f + 0.85f * ramp.r, 0.15f * 0.6f + 0.85f * ramp.g,
                       0.15f * 0.7f + 0.85f * ramp.b});
}

}  // namespace

bool CanvasPainter::BackgroundKey::sameHeatmaps(const BackgroundKey& o) const {
  return width == o.width && height == o.height && core::sameBox(box, o.box) &&
         pixelScale == o.pixelScale && targetDensity == o.targetDensity && density == o.density &&
         divergence == o.divergence && targetDensityOpacity == o.targetDensityOpacity &&
         densityOpacity == o.densityOpacity && densityRange == o.densityRange &&
         divergenceOpacity == o.divergenceOpacity;
}

bool CanvasPainter::BackgroundKey::operator==(const BackgroundKey& o) const {
  return sameHeatmaps(o) && field == o.field && arrowAlpha == o.arrowAlpha;
}

CanvasPainter::CanvasPainter() {
  for (int i = 0; i < 256; ++i) {
    densityRamp_[i] = core::packed(core::sequentialColour(i / 255.0));
  }
}

namespace {

constexpr std::uint32_t kPanelEdge = 0xff6b5f59u;  // opaque grey-blue (0xAABBGGRR)

// The whole knot polylines of the given columns, in red.
void paintCrossingPaths(const core::ParticleTable& table, const std::vector<int>& columns,
                        RasterImage& image) {
  constexpr PackedRgb kCrossing = core::packed({1.0f, 0.3f, 0.25f});
  for (int c : columns)
    for (std::size_t k = 0; k + 1 < table.positions.size(); ++k) {
      const auto a = table.positions[k].col(c), b = table.positions[k + 1].col(c);
      drawSegment(image, image.pixelX(a.x()), image.pixelY(a.y()), image.pixelX(b.x()),
                  image.pixelY(b.y()), kCrossing, 0.85f, 0.85f, k == 0,
                  k + 2 == table.positions.size());
    }
}

}  // namespace

PanelSpan panelSpan(const core::Box& box, int width, int height, int panels, int k) {
  panels = std::max(panels, 1);
  int columns = panels, rows = 1;
  double best = 0.0;
  for (int r = 1; r <= panels; ++r) {
    const int c = (panels + r - 1) / r;
    const double side = std::min(double(width) / c, double(height) / r);
    if (side > best) {
      best = side;
      columns = c;
      rows = r;
    }
  }
  const int column = k % columns, row = k / columns;
  PanelSpan s;
  s.x0 = static_cast<int>(static_cast<long>(width) * column / columns);
  s.x1 = static_cast<int>(static_cast<long>(width) * (column + 1) / columns);
  // The first row at the top: raster rows count from the bottom.
  s.y1 = height - static_cast<int>(static_cast<long>(height) * row / rows);
  s.y0 = height - static_cast<int>(static_cast<long>(height) * (row + 1) / rows);
  const double perPixel =
      std::max(box.width() / std::max(s.x1 - s.x0, 1), box.height() / std::max(s.y1 - s.y0, 1));
  const double cx = 0.5 * (box.x0 + box.x1), cy = 0.5 * (box.y0 + box.y1);
  const double hw = 0.5 * (s.x1 - s.x0) * perPixel, hh = 0.5 * (s.y1 - s.y0) * perPixel;
  s.box = core::Box{cx - hw, cy - hh, cx + hw, cy + hh};
  return s;
}

void CanvasPainter::paintPanels(const CanvasRequest& request, RasterImage& image) {
  const auto& panels = request.compare->panels;
  const int count = static_cast<int>(panels.size());
  image.reset(request.width, request.height, request.box);
  fillOpaque(image, kCanvasBackground);
  for (int k = 0; k < count; ++k) {
    const PanelSpan span = panelSpan(request.box, request.width, request.height, count, k);
    // One frame object for every panel, reused (nothing allocated per panel and frame).
    if (!panelFrame_) panelFrame_ = std::make_shared<core::ViewFrame>();
    panelFrame_->particles = panels[static_cast<std::size_t>(k)].table;
    panelFrame_->targetSamples = request.frame ? request.frame->targetSamples : nullptr;
    CanvasRequest sub;
    sub.frame = panelFrame_;
    sub.t = request.t;
    sub.continuous = request.continuous;
    sub.box = span.box;
    sub.width = span.x1 - span.x0;
    sub.height = span.y1 - span.y0;
    sub.pixelScale = request.pixelScale;
    sub.view = request.view;
    sub.view.density = sub.view.divergence = sub.view.field = sub.view.warpedGrid = false;
    sub.view.targetDensity = false;
    if (!paint(sub, panel_)) continue;
    const core::ComparePanel& p = panels[static_cast<std::size_t>(k)];
    if (request.couplings && p.couplingStarts && p.couplingEnds && p.couplingCrossingLines)
      paintCoupling(panel_, *p.couplingStarts, *p.couplingEnds, *p.couplingCrossingLines,
                    request.pixelScale);
    if (request.crossingPaths && p.crossingPaths && p.table)
      paintCrossingPaths(*p.table, *p.crossingPaths, panel_);
    for (int j = 0; j < panel_.height; ++j)
      std::copy_n(&panel_.pixels[static_cast<std::size_t>(j) * panel_.width], panel_.width,
                  &image.pixels[static_cast<std::size_t>(span.y0 + j) * image.width + span.x0]);
    // A frame around the panel.
    for (int i = span.x0; i < span.x1; ++i)
      image.pixels[static_cast<std::size_t>(span.y0) * image.width + i] = kPanelEdge;
    for (int j = span.y0; j < span.y1; ++j)
      image.pixels[static_cast<std::size_t>(j) * image.width + span.x0] = kPanelEdge;
  }
}

bool CanvasPainter::paint(const CanvasRequest& request, RasterImage& image) {
  if (request.width <= 0 || request.height <= 0) {
    image.reset(0, 0, request.box);
    return false;
  }
  if (request.compare && !request.compare->panels.empty()) {
    paintPanels(request, image);
    return true;
  }
  const BackgroundKey key = backgroundKey(request);
  if (!backgroundValid_ || !(key == backgroundKey_)) {
    if (!backgroundValid_ || !key.sameHeatmaps(backgroundKey_)) paintHeatmaps(key, heatmaps_);
    if (key.field) {
      background_ = heatmaps_;
      paintArrows(*key.field, key.arrowAlpha, key.pixelScale, background_);
    }
    backgroundKey_ = key;
    backgroundValid_ = true;
  }
  // Start from the cached bottom of the stack (a copy: the pixel storage is reused).
  const RasterImage& base = key.field ? background_ : heatmaps_;
  image.width = base.width;
  image.height = base.height;
  image.box = base.box;
  image.pixels = base.pixels;
  if (!request.frame) return true;
  const core::ViewFrame& f = *request.frame;
  const ViewSettings& v = request.view;

  if (f.grid && f.grid->count() > 0) {
    warpedGrid_ = f.grid;
    warpedGridPerLine_ = f.gridPointsPerLine;
  }
  const bool grid = v.warpedGrid && f.grid && warpedGrid_;
  if (grid) paintWarpedGrid(request, *warpedGrid_, warpedGridPerLine_, image);
  if (v.field && v.arrows && request.continuous && f.field && !key.field)
    paintArrows(*f.field, v.arrowAlpha, request.pixelScale, image);
  if (v.field && v.streamlines && request.continuous && f.streamlines &&
      f.streamlines->lines.lines() > 0)
    paintStreamlines(request, *f.streamlines, image);
  if (v.targetSamples && f.targetSamples && f.targetSamples->cols() > 0)
    drawDiscs(image, f.targetSamples->data(), static_cast<int>(f.targetSamples->cols()), nullptr,
              kTargetSampleColour, 1.0f * request.pixelScale, v.targetAlpha);
  if (request.lab && !request.lab->run.states.empty()) {
    // Normalising with "colour by log p": by the ledger so far; else by where they started.
    const core::SolverLabLayer& lab = *request.lab;
    const bool byLedger = !lab.run.ledger.empty() && v.colouring == ParticleColouring::ByLogDensity;
    const std::size_t k = static_cast<std::size_t>(std::clamp(request.labStep, 0, lab.steps()));
    if (byLedger) ledgerColours(lab.run.ledger[k], valueColours_, magnitudes_);
    paintSolverLab(lab, request.labStep, request.labMarked, v, request.pixelScale,
                   byLedger ? valueColours_ : startColours(lab.run.states.front()), image);
    return true;
  }
  const core::ParticleTable* table = f.particles.get();
  if (table && table->count() > 0) {
    if (v.paths && request.continuous && table->times.size() > 1)
      paintPaths(request, *table, image);
    if (v.particles) paintParticles(request, *table, image);
  }
  return true;
}

float staleHeatmapFade(double gridT, double shownT) {
  const double gap = std::abs(gridT - shownT);
  if (gap < 1e-9) return 1.0f;
  const double steps = std::ceil(gap / kStaleFadeStep);
  return static_cast<float>(std::max(kStaleFadeFloor, 1.0 - 0.1 * steps));
}

CanvasPainter::BackgroundKey CanvasPainter::backgroundKey(const CanvasRequest& request) const {
  BackgroundKey k;
  k.width = request.width;
  k.height = request.height;
  k.box = request.box;
  k.pixelScale = request.pixelScale;
  if (!request.frame) return k;
  const core::ViewFrame& f = *request.frame;
  const ViewSettings& v = request.view;
  if (v.targetDensity && f.targetDensity) {
    k.targetDensity = f.targetDensity;
    k.targetDensityOpacity = v.targetDensityOpacity;
  }
  if (v.density && f.density) {
    k.density = f.density;
    k.densityOpacity = v.densityOpacity * staleHeatmapFade(f.density->grid.t, request.t);
    k.densityRange = v.densityRange;
  }
  if (v.divergence && request.continuous && f.divergence) {
    k.divergence = f.divergence;
    k.divergenceOpacity = v.divergenceOpacity * staleHeatmapFade(f.divergence->grid.t, request.t);
  }
  // The arrows belong to the background unless the warped grid (which moves with t) lies
  // between it and them.
  if (v.field && v.arrows && request.continuous && f.field && !(v.warpedGrid && f.grid)) {
    k.field = f.field;
    k.arrowAlpha = v.arrowAlpha;
  }
  return k;
}

void CanvasPainter::paintHeatmaps(const BackgroundKey& key, RasterImage& image) {
  image.reset(key.width, key.height, key.box);
  fillOpaque(image, kCanvasBackground);
  if (key.targetDensity)
    paintHeatmap(*key.targetDensity, HeatmapRamp::Grey, targetDensityRange(*key.targetDensity),
                 key.targetDensityOpacity, image);
  if (key.density)
    paintHeatmap(*key.density, HeatmapRamp::Sequential,
                 densityRange(*key.density, key.densityRange), key.densityOpacity, image);
  if (key.divergence)
    paintHeatmap(*key.divergence, HeatmapRamp::Diverging, divergenceRange(*key.divergence),
                 key.divergenceOpacity, image);
  paintAxes(key.pixelScale, image);
}

void CanvasPainter::paintHeatmap(const core::GridLayer& layer, HeatmapRamp ramp, HeatmapRange range,
                                 float opacity, RasterImage& image) {
  const core::DensityGrid& g = layer.grid;
  if (g.width <= 0 || g.height <= 0 ||
      g.values.size() != static_cast<std::size_t>(g.width) * static_cast<std::size_t>(g.height))
    return;
  heatmapTexels(g, ramp, range.lo, range.hi, texels_);
  drawHeatmap(image, texels_.data(), g.width, g.height, g.box, opacity);
}

void CanvasPainter::paintAxes(float pixelScale, RasterImage& image) {
  const core::Box& b = image.box;
  const double pixelsPerUnit = image.width / b.width() / std::max(pixelScale, 1e-3f);
  if (!(pixelsPerUnit > 0.0) || !std::isfinite(pixelsPerUnit)) return;
  // A line every 10^k world units, with k chosen so that lines are ≥ 40 screen pixels apart.
  const double step = std::pow(10.0, std::ceil(std::log10(40.0 / pixelsPerUnit)));
  for (double x = std::ceil(b.x0 / step) * step; x <= b.x1; x += step)
    drawVerticalLine(image, x, kWhite, 0.06f);
  for (double y = std::ceil(b.y0 / step) * step; y <= b.y1; y += step)
    drawHorizontalLine(image, y, kWhite, 0.06f);
  // The axes themselves over them, brighter.
  drawVerticalLine(image, 0.0, kWhite, 0.16f);
  drawHorizontalLine(image, 0.0, kWhite, 0.16f);
}

void CanvasPainter::paintWarpedGrid(const CanvasRequest& request, const core::ParticleTable& grid,
                                    int perLine, RasterImage& image) {
  const int lines = perLine > 1 ? grid.count() / perLine : 0;
  if (lines == 0) return;
  grid.positionsAt(request.t, positions_);
  const float alpha = request.view.gridAlpha;
  // Lines along x first, then along y (the view worker's order).
  for (int l = 0; l < lines; ++l) {
    const PackedRgb colour = l < lines / 2 ? kGridAlongX : kGridAlongY;
    for (int k = 0; k + 1 < perLine; ++k) {
      const int a = l * perLine + k;
      drawSegment(image, image.pixelX(positions_(0, a)), image.pixelY(positions_(1, a)),
                  image.pixelX(positions_(0, a + 1)), image.pixelY(positions_(1, a + 1)), colour,
                  alpha, alpha, k == 0, k + 2 == perLine);
    }
  }
}

void CanvasPainter::paintArrows(const core::FieldSamples& field, float alpha, float pixelScale,
                                RasterImage& image) {
  const auto n = field.positions.cols();
  if (n == 0 || field.velocities.cols() != n) return;
  // Sizes in pixels from the spacing of the samples on screen.
  const float cell = static_cast<float>(field.box.width() / std::max(field.cols, 1) * image.width /
                                        image.box.width());
  // Length and colour from |v| relative to the flow's typical speed at t (its median where the
  // data is): an arrow of that speed is 0.6 cell long, twice that speed or more fills 1.2 cells
  // and takes the top colour. Scaling to the fastest arrow in view would shrink the arrows
  // inside the data, where the field matters, to dots.
  const float full = 2.0f * std::max(field.typicalSpeed, 1e-6f);
  ArrowShape shape;
  shape.shaftHalfWidth = 0.75f * pixelScale;
  shape.headHalfWidth = std::clamp(0.14f * cell, 2.0f, 5.0f);
  shape.headLength = std::clamp(0.3f * cell, 3.0f, 9.0f);
  for (Eigen::Index k = 0; k < n; ++k) {
    const float vx = field.velocities(0, k), vy = field.velocities(1, k);
    const float speed = std::sqrt(vx * vx + vy * vy);
    if (!std::isfinite(speed)) continue;
    const float s = std::clamp(speed / full, 0.0f, 1.0f);
    shape.length = s * kArrowCells * cell;
    const float dx = speed > 1e-12f ? vx / speed : 1.0f, dy = speed > 1e-12f ? vy / speed : 0.0f;
    drawArrow(image, image.pixelX(field.positions(0, k)), image.pixelY(field.positions(1, k)), dx,
              dy, shape, speedColour(s), alpha);
  }
}

const std::vector<PackedRgb>& CanvasPainter::startColours(const core::Points& s) {
  const bool same = s.cols() == startsSeen_.cols() &&
                    std::memcmp(s.data(), startsSeen_.data(), sizeof(float) * s.size()) == 0;
  if (!same) {
    startsSeen_ = s;
    startColours_.resize(s.cols());
    for (Eigen::Index i = 0; i < s.cols(); ++i) {
      startColours_[i] = core::packed(startColour(s(0, i), s(1, i)));
    }
  }
  return startColours_;
}

void CanvasPainter::paintStreamlines(const CanvasRequest& request,
                                     const core::StreamlineLayer& layer, RasterImage& image) {
  // Colour and opacity by speed, as the arrows: grey-blue when slow, up the ramp at twice the
  // flow's typical speed.
  const core::Streamlines& lines = layer.lines;
  const float top = 2.0f * std::max(layer.typicalSpeed, 1e-6f);
  const float alpha = request.view.streamlineAlpha;
  auto styleAt = [&](int i, PackedRgb& colour, float& a) {
    const float s = std::clamp(lines.speeds[i] / top, 0.0f, 1.0f);
    colour = speedColour(s);
    a = alpha * (0.35f + 0.65f * s);
  };
  for (int k = 0; k < lines.lines(); ++k) {
    const int a = lines.offsets[k], b = lines.offsets[k + 1];
    for (int i = a; i + 1 < b; ++i) {
      PackedRgb colour;
      float alphaA, alphaB;
      styleAt(i, colour, alphaA);
      PackedRgb unused;
      styleAt(i + 1, unused, alphaB);
      drawSegment(image, image.pixelX(lines.vertices(0, i)), image.pixelY(lines.vertices(1, i)),
                  image.pixelX(lines.vertices(0, i + 1)), image.pixelY(lines.vertices(1, i + 1)),
                  colour, alphaA, alphaB, i == a, i + 2 == b);
    }
  }
}

void CanvasPainter::paintPaths(const CanvasRequest& request, const core::ParticleTable& table,
                               RasterImage& image) {
  const ViewSettings& v = request.view;
  const int count = std::min(v.pathCount, table.count());
  const float trail = std::max(v.trail, 1e-3f);
  const double t = request.t;
  const bool forward = request.direction == core::FlowDirection::Generate;
  // The visible part of every path: the flow times within `trail` behind t.
  const double front = table.times.front(), back = table.times.back();
  const double lo = std::max(front, forward ? t - trail : t);
  const double hi = std::min(back, forward ? t : t + trail);
  if (count <= 0 || !(hi > lo)) return;
  const double h = (back - front) / ((table.times.size() - 1) * kPathSubdivisions);
  pathTimes_.clear();
  pathTimes_.push_back(lo);
  for (double s = (std::floor((lo - front) / h) + 1) * h + front; s < hi - 1e-9; s += h)
    pathTimes_.push_back(s);
  pathTimes_.push_back(hi);
  const int n = static_cast<int>(pathTimes_.size());
  pathAlpha_.resize(n);
  for (int k = 0; k < n; ++k) {
    const double age = forward ? t - pathTimes_[k] : pathTimes_[k] - t;
    pathAlpha_[k] = v.pathAlpha * static_cast<float>(std::clamp(1.0 - age / trail, 0.0, 1.0));
  }
  pathXy_.resize(2 * static_cast<std::size_t>(n));
  const std::vector<PackedRgb>& colours = startColours(table.start);
  for (int p = 0; p < count; ++p) {
    for (int k = 0; k < n; ++k) {
      const Eigen::Vector2f x = table.positionAt(p, pathTimes_[k]);
      pathXy_[2 * k] = image.pixelX(x.x());
      pathXy_[2 * k + 1] = image.pixelY(x.y());
    }
    for (int k = 0; k + 1 < n; ++k)
      drawSegment(image, pathXy_[2 * k], pathXy_[2 * k + 1], pathXy_[2 * k + 2], pathXy_[2 * k + 3],
                  colours[p], pathAlpha_[k], pathAlpha_[k + 1], k == 0, k + 2 == n);
  }
}

void CanvasPainter::paintParticles(const CanvasRequest& request, const core::ParticleTable& table,
                                   RasterImage& image) {
  const ViewSettings& v = request.view;
  const int shown = std::min(table.count(), v.particleCount);
  table.positionsAt(request.t, positions_);
  const PackedRgb* colours = nullptr;
  if (v.colouring == ParticleColouring::ByLogDensity && table.hasLogDensity()) {
    // The same span as the density heatmap, from the particles' own values.
    table.logDensityAt(request.t, values_);
    const auto shownValues = values_.leftCols(shown);
    const float hiValue = shown > 0 ? shownValues.maxCoeff() : 0.0f;
    const float loValue = hiValue - std::max(v.densityRange, 1e-3f);
    valueColours_.resize(shown);
    for (int i = 0; i < shown; ++i) {
      const float s = (shownValues(i) - loValue) / (hiValue - loValue);
      const int k =
          std::isfinite(s) ? static_cast<int>(std::clamp(s, 0.0f, 1.0f) * 255.0f + 0.5f) : 0;
      valueColours_[i] = densityRamp_[k];
    }
    colours = valueColours_.data();
  } else {
    colours = startColours(table.start).data();
  }
  drawDiscs(image, positions_.data(), shown, colours, 0, 0.5f * v.pointSize * request.pixelScale,
            v.particleAlpha);
}

}  // namespace flowlab::core
