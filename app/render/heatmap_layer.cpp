// Heatmap colours on the CPU (the ramps of core/colormap.hpp) and a textured quad.
#include "app/render/heatmap_layer.hpp"

#include <algorithm>
#include <cmath>

#include "core/colormap.hpp"

namespace flowlab::app::render {

namespace {

float smoothstep(float a, float b, float x) {
  const float u = std::clamp((x - a) / (b - a), 0.0f, 1.0f);
  return u * u * (3.0f - 2.0f * u);
}

std::array<std::uint8_t, 4> premultiplied(core::Rgb8 c, float alpha) {
  auto ch = [&](std::uint8_t v) { return static_cast<std::uint8_t>(std::lround(v * alpha)); };
  return {ch(c.r), ch(c.g), ch(c.b), static_cast<std::uint8_t>(std::lround(255.0f * alpha))};
}

}  // namespace

std::array<std::uint8_t, 4> heatmapColor(float v, HeatmapRamp ramp, float lo, float hi) {
  if (std::isnan(v)) return {0, 0, 0, 0};
  if (ramp == HeatmapRamp::Diverging) {
    const float scale = std::max({std::abs(lo), std::abs(hi), 1e-6f});
    const float s = std::isfinite(v) ? std::clamp(v / scale, -1.0f, 1.0f) : (v > 0 ? 1.0f : -1.0f);
    return premultiplied(core::divergingColor(s), smoothstep(0.02f, 0.35f, std::abs(s)));
  }
  const float s = std::isfinite(v) ? std::clamp((v - lo) / std::max(hi - lo, 1e-6f), 0.0f, 1.0f)
                                   : (v > 0 ? 1.0f : 0.0f);
  const float alpha = smoothstep(0.0f, 0.12f, s);
  if (ramp == HeatmapRamp::Grey) {
    const auto g = static_cast<std::uint8_t>(std::lround(255.0f * (0.35f + 0.6f * s)));
    return premultiplied({g, g, g}, alpha);
  }
  return premultiplied(core::sequentialColor(s), alpha);
}

HeatmapLayer::HeatmapLayer() { program_.build("heatmap.vert", "heatmap.frag"); }

void HeatmapLayer::set(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi) {
  if (grid.width <= 0 || grid.height <= 0 || grid.values.empty()) {
    has_ = false;
    return;
  }
  texels_.resize(grid.values.size() * 4);
  for (std::size_t i = 0; i < grid.values.size(); ++i) {
    const auto c = heatmapColor(grid.values[i], ramp, lo, hi);
    std::copy(c.begin(), c.end(), texels_.begin() + static_cast<std::ptrdiff_t>(4 * i));
  }
  texture_.uploadRgba8(grid.width, grid.height, texels_.data());
  box_ = grid.box;
  has_ = true;
}

void HeatmapLayer::draw(const std::array<float, 4>& view, float opacity) {
  if (!has_) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_box",
               std::array<float, 4>{static_cast<float>(box_.x0), static_cast<float>(box_.y0),
                                    static_cast<float>(box_.x1), static_cast<float>(box_.y1)});
  program_.set("u_opacity", opacity);
  program_.set("u_image", 0);
  texture_.bind(0);
  glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);  // premultiplied
  vao_.bind();
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
}

}  // namespace flowlab::app::render
