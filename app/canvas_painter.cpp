// Which particles, paths and samples go into the image, with which colours and opacities; the
// styles match what the GL layers drew before (round points, pathlines fading with age).
#include "app/canvas_painter.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/colors.hpp"

namespace flowlab::app {

namespace {

// Pathlines are sampled this many times per knot interval of the particle table.
constexpr int kPathSubdivisions = 6;

const PackedRgb kTargetSampleColour = packRgb(0.85f, 0.85f, 0.9f);

}  // namespace

CanvasPainter::CanvasPainter() {
  for (int i = 0; i < 256; ++i) {
    const Rgb c = sequentialRamp(static_cast<float>(i) / 255.0f);
    densityRamp_[i] = packRgb(c[0], c[1], c[2]);
  }
}

bool CanvasPainter::paint(const CanvasRequest& request, RasterImage& image) {
  image.reset(request.width, request.height, request.box);
  if (!request.frame || image.width == 0 || image.height == 0) return false;
  const core::ViewFrame& f = *request.frame;
  const ViewSettings& v = request.view;
  bool painted = false;
  if (v.field && v.streamlines && request.continuous && f.streamlines &&
      f.streamlines->lines() > 0) {
    paintStreamlines(request, *f.streamlines, image);
    painted = true;
  }
  if (v.targetSamples && f.targetSamples && f.targetSamples->cols() > 0) {
    drawDiscs(image, f.targetSamples->data(), static_cast<int>(f.targetSamples->cols()), nullptr,
              kTargetSampleColour, 1.0f * request.pixelScale, v.targetAlpha);
    painted = true;
  }
  const core::ParticleTable* table = f.particles.get();
  if (table && table->valid > 0) {
    if (v.paths && request.continuous && table->times.size() > 1) {
      paintPaths(request, *table, image);
      painted = true;
    }
    if (v.particles) {
      paintParticles(request, *table, image);
      painted = true;
    }
  }
  return painted;
}

const std::vector<PackedRgb>& CanvasPainter::startColours(const core::ParticleTable& table) {
  const core::Points& s = table.start;
  const bool same = s.cols() == startsSeen_.cols() &&
                    std::memcmp(s.data(), startsSeen_.data(), sizeof(float) * s.size()) == 0;
  if (!same) {
    startsSeen_ = s;
    startColours_.resize(s.cols());
    for (Eigen::Index i = 0; i < s.cols(); ++i) {
      const Rgb c = startColor(s(0, i), s(1, i));
      startColours_[i] = packRgb(c[0], c[1], c[2]);
    }
  }
  return startColours_;
}

void CanvasPainter::paintStreamlines(const CanvasRequest& request,
                                          const core::Streamlines& lines, RasterImage& image) {
  // Colour and opacity by speed, as the arrows: grey-blue when slow, up the ramp when fast.
  const float top = std::max(lines.maxSpeed, 1e-6f);
  const float alpha = request.view.streamlineAlpha;
  auto styleAt = [&](int i, PackedRgb& colour, float& a) {
    const float s = std::clamp(lines.speeds[i] / top, 0.0f, 1.0f);
    const Rgb ramp = sequentialRamp(0.35f + 0.65f * s);
    colour = packRgb(0.15f * 0.55f + 0.85f * ramp[0], 0.15f * 0.6f + 0.85f * ramp[1],
                     0.15f * 0.7f + 0.85f * ramp[2]);
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

void CanvasPainter::paintPaths(const CanvasRequest& request,
                                    const core::ParticleTable& table, RasterImage& image) {
  const ViewSettings& v = request.view;
  const int count = std::min(v.pathCount, table.valid);
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
  const std::vector<PackedRgb>& colours = startColours(table);
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

void CanvasPainter::paintParticles(const CanvasRequest& request,
                                        const core::ParticleTable& table, RasterImage& image) {
  const ViewSettings& v = request.view;
  const int shown = std::min(table.valid, v.particleCount);
  table.positionsAt(request.t, positions_);
  const PackedRgb* colours = nullptr;
  if (v.coloring == ParticleColoring::ByLogDensity && table.hasLogDensity()) {
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
    colours = startColours(table).data();
  }
  drawDiscs(image, positions_.data(), shown, colours, 0, 0.5f * v.pointSize * request.pixelScale,
            v.particleAlpha);
}

}  // namespace flowlab::app
