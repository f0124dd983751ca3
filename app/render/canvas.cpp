// Canvas drawing: layer order, viewport and scissor, and the per-frame particle interpolation.
#include "app/render/canvas.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app::render {

Canvas::Canvas() = default;

void Canvas::update(const std::shared_ptr<const core::ViewFrame>& frame, const ViewSettings& view,
                    double t) {
  if (!frame) return;
  frame_ = frame;
  const core::ViewFrame& f = *frame;

  if (f.field.get() != fieldSeen_) {
    if (f.field) field_.set(*f.field);
    fieldSeen_ = f.field.get();
  }
  if (f.density.get() != densitySeen_ || view.densityRange != densityRangeSeen_) {
    if (f.density) {
      densityHi_ = f.density->hi;
      densityLo_ = densityHi_ - view.densityRange;
      density_.set(f.density->grid, HeatmapRamp::Sequential, densityLo_, densityHi_);
    }
    densitySeen_ = f.density.get();
    densityRangeSeen_ = view.densityRange;
  }
  if (f.divergence.get() != divergenceSeen_) {
    if (f.divergence) {
      divergenceScale_ = std::max({std::abs(f.divergence->lo), std::abs(f.divergence->hi), 1e-3f});
      divergence_.set(f.divergence->grid, HeatmapRamp::Diverging, -divergenceScale_,
                      divergenceScale_);
    }
    divergenceSeen_ = f.divergence.get();
  }
  if (f.targetDensity.get() != targetDensitySeen_) {
    if (f.targetDensity)
      targetDensity_.set(f.targetDensity->grid, HeatmapRamp::Grey, f.targetDensity->hi - 6.0f,
                         f.targetDensity->hi);
    targetDensitySeen_ = f.targetDensity.get();
  }
  // Warped grid: its lines at time t.
  const core::ParticleTable* grid = f.grid.get();
  if (grid && (grid != gridSeen_ || t != gridT_) && grid->valid == grid->count()) {
    grid->positionsAt(t, positions_);
    const int perLine = f.gridPointsPerLine;
    const int lines = perLine > 0 ? grid->count() / perLine : 0;
    scratch_.clear();
    for (int l = 0; l < lines; ++l)
      for (int v = 0; v + 1 < perLine; ++v) {
        const int a = l * perLine + v;
        scratch_.insert(scratch_.end(), {positions_(0, a), positions_(1, a), positions_(0, a + 1),
                                         positions_(1, a + 1)});
      }
    grid_.set(scratch_);
    gridLineSegments_ = static_cast<int>(scratch_.size() / 4);
    gridSeen_ = grid;
    gridT_ = t;
  }
}

void Canvas::updateImage(const std::shared_ptr<const CanvasImage>& image) {
  if (!image || image->sequence == pointLayersSeen_) return;
  pointLayersSeen_ = image->sequence;
  pointLayersEmpty_ = image->empty;
  if (image->empty)
    pointLayers_.clear();
  else
    pointLayers_.set(image->image);
}

void Canvas::buildAxes(const Camera2d& camera) {
  const core::Box b = camera.visibleBox();
  // A line every 10^k world units, with k chosen so that lines are ≥ 40 pixels apart.
  const double step = std::pow(10.0, std::ceil(std::log10(40.0 / camera.pixelsPerUnit())));
  scratch_.clear();
  for (double x = std::ceil(b.x0 / step) * step; x <= b.x1; x += step)
    scratch_.insert(scratch_.end(), {static_cast<float>(x), static_cast<float>(b.y0),
                                     static_cast<float>(x), static_cast<float>(b.y1)});
  for (double y = std::ceil(b.y0 / step) * step; y <= b.y1; y += step)
    scratch_.insert(scratch_.end(), {static_cast<float>(b.x0), static_cast<float>(y),
                                     static_cast<float>(b.x1), static_cast<float>(y)});
  // The axes themselves last, drawn brighter.
  scratch_.insert(scratch_.end(), {0.0f, static_cast<float>(b.y0), 0.0f, static_cast<float>(b.y1),
                                   static_cast<float>(b.x0), 0.0f, static_cast<float>(b.x1), 0.0f});
  axes_.set(scratch_);
}

void Canvas::draw(const Camera2d& camera, const ViewSettings& view, float fbScaleX, float fbScaleY,
                  int framebufferHeight) {
  const int x = static_cast<int>(std::lround(camera.viewportLeft() * fbScaleX));
  const int w = static_cast<int>(std::lround(camera.viewportWidth() * fbScaleX));
  const int h = static_cast<int>(std::lround(camera.viewportHeight() * fbScaleY));
  const int y =
      framebufferHeight - static_cast<int>(std::lround(camera.viewportTop() * fbScaleY)) - h;
  glViewport(x, y, w, h);
  glScissor(x, y, w, h);
  glEnable(GL_SCISSOR_TEST);
  glClearColor(0.07f, 0.075f, 0.09f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glEnable(GL_PROGRAM_POINT_SIZE);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_CULL_FACE);

  const auto v = camera.clipTransform();
  const bool continuous = !frame_ || frame_->continuous;

  if (view.targetDensity && frame_ && frame_->targetDensity)
    targetDensity_.draw(v, view.targetDensityOpacity);
  if (view.density && frame_ && frame_->density) density_.draw(v, view.densityOpacity);
  if (view.divergence && continuous && frame_ && frame_->divergence)
    divergence_.draw(v, view.divergenceOpacity);

  buildAxes(camera);
  axes_.drawRange(v, {1.0f, 1.0f, 1.0f, 0.06f}, 0, axes_.segments() - 2);
  axes_.drawRange(v, {1.0f, 1.0f, 1.0f, 0.16f}, axes_.segments() - 2, 2);

  if (view.warpedGrid && frame_ && frame_->grid) {
    const int half = gridLineSegments_ / 2;
    grid_.drawRange(v, {0.95f, 0.75f, 0.35f, view.gridAlpha}, 0, half);
    grid_.drawRange(v, {0.45f, 0.8f, 0.95f, view.gridAlpha}, half, gridLineSegments_ - half);
  }
  if (view.field && view.arrows && continuous && frame_ && frame_->field) {
    const float cell =
        static_cast<float>(frame_->field->box.width() / std::max(frame_->field->cols, 1) *
                           camera.pixelsPerUnit() * fbScaleX);
    field_.draw(v, static_cast<float>(w), static_cast<float>(h), cell, view.arrowAlpha);
  }
  // Target samples, pathlines and particles: painted on the CPU by the raster worker.
  if (!pointLayersEmpty_) pointLayers_.draw(v);
  glDisable(GL_SCISSOR_TEST);
}

}  // namespace flowlab::app::render
