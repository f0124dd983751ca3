// Heatmap colours from the ramps of core/base/colour.hpp, with a soft fade-out at the low end.
#include "core/render/heatmap_colours.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/colour.hpp"

namespace flowlab::core {

namespace {

float smoothstep(float a, float b, float x) {
  const float u = std::clamp((x - a) / (b - a), 0.0f, 1.0f);
  return u * u * (3.0f - 2.0f * u);
}

std::array<std::uint8_t, 4> premultiplied(core::Colour c, float alpha) {
  auto ch = [&](float v) {
    return static_cast<std::uint8_t>(std::lround(core::channelByte(v) * alpha));
  };
  return {ch(c.r), ch(c.g), ch(c.b), static_cast<std::uint8_t>(std::lround(255.0f * alpha))};
}

}  // namespace

std::array<std::uint8_t, 4> heatmapColour(float v, HeatmapRamp ramp, float lo, float hi) {
  if (std::isnan(v)) return {0, 0, 0, 0};
  if (ramp == HeatmapRamp::Diverging) {
    const float scale = std::max({std::abs(lo), std::abs(hi), 1e-6f});
    const float s = std::isfinite(v) ? std::clamp(v / scale, -1.0f, 1.0f) : (v > 0 ? 1.0f : -1.0f);
    return premultiplied(core::divergingColour(s), smoothstep(0.02f, 0.35f, std::abs(s)));
  }
  const float s = std::isfinite(v) ? std::clamp((v - lo) / std::max(hi - lo, 1e-6f), 0.0f, 1.0f)
                                   : (v > 0 ? 1.0f : 0.0f);
  const float alpha = smoothstep(0.0f, 0.12f, s);
  if (ramp == HeatmapRamp::Grey) {
    const float g = 0.35f + 0.6f * s;
    return premultiplied({g, g, g}, alpha);
  }
  return premultiplied(core::sequentialColour(s), alpha);
}

void heatmapTexels(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi,
                   std::vector<std::uint32_t>& out) {
  out.resize(grid.values.size());
  for (std::size_t i = 0; i < grid.values.size(); ++i) {
    const auto c = heatmapColour(grid.values[i], ramp, lo, hi);
    out[i] = static_cast<std::uint32_t>(c[0]) | (static_cast<std::uint32_t>(c[1]) << 8) |
             (static_cast<std::uint32_t>(c[2]) << 16) | (static_cast<std::uint32_t>(c[3]) << 24);
  }
}

HeatmapRange densityRange(const core::GridLayer& density, float range) {
  return {density.hi - range, density.hi};
}

HeatmapRange divergenceRange(const core::GridLayer& divergence) {
  const float scale = std::max({std::abs(divergence.lo), std::abs(divergence.hi), 1e-3f});
  return {-scale, scale};
}

HeatmapRange targetDensityRange(const core::GridLayer& target) {
  return {target.hi - 6.0f, target.hi};
}

}  // namespace flowlab::core
