// Heatmap texture upload (normalised on the CPU: a 128×128 grid is 16k floats) and drawing.
#include "app/render/heatmap_layer.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app::render {

HeatmapLayer::HeatmapLayer() { program_.build("heatmap.vert", "heatmap.frag"); }

void HeatmapLayer::set(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi) {
  if (grid.width <= 0 || grid.height <= 0 || grid.values.empty()) {
    has_ = false;
    return;
  }
  scratch_.resize(grid.values.size());
  const float span = std::max(hi - lo, 1e-6f);
  const float scale = std::max(std::max(std::abs(lo), std::abs(hi)), 1e-6f);
  for (std::size_t i = 0; i < grid.values.size(); ++i) {
    const float v = grid.values[i];
    if (ramp == HeatmapRamp::Diverging)
      scratch_[i] = std::isfinite(v) ? std::clamp(v / scale, -1.0f, 1.0f) : 0.0f;
    else if (std::isnan(v))
      scratch_[i] = -1.0f;  // no data yet
    else
      scratch_[i] = std::isfinite(v) ? std::clamp((v - lo) / span, 0.0f, 1.0f) : 0.0f;
  }
  texture_.uploadR32F(grid.width, grid.height, scratch_.data());
  box_ = grid.box;
  ramp_ = ramp;
  has_ = true;
}

void HeatmapLayer::draw(const std::array<float, 4>& view, float opacity) {
  if (!has_) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_box", std::array<float, 4>{static_cast<float>(box_.x0), static_cast<float>(box_.y0),
                                             static_cast<float>(box_.x1), static_cast<float>(box_.y1)});
  program_.set("u_map", static_cast<int>(ramp_));
  program_.set("u_opacity", opacity);
  program_.set("u_values", 0);
  texture_.bind(0);
  vao_.bind();
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
