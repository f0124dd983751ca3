// Colours of the scalar grid layers (model log density, divergence, target log density): which
// value range each is shown over and the premultiplied RGBA colour of every grid cell. GL-free;
// any thread.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/view/view_frame.hpp"

namespace flowlab::core {

enum class HeatmapRamp { Sequential, Diverging, Grey };

// The premultiplied RGBA colour of one grid value. Sequential/Grey: lo..hi maps onto the ramp
// and values near lo fade out (so the layers beneath show through); Diverging: −scale..scale
// with scale = max(|lo|, |hi|), transparent near 0. NaN means "no data yet" (transparent).
std::array<std::uint8_t, 4> heatmapColour(float value, HeatmapRamp ramp, float lo, float hi);

// Every cell's heatmapColour packed as 0xAABBGGRR (R in the lowest byte), in the grid's order
// (row 0 at the bottom). out is resized to width·height.
void heatmapTexels(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi,
                   std::vector<std::uint32_t>& out);

// The colour range of each layer, as the heatmap and its legend show it.
struct HeatmapRange {
  float lo = 0.0f, hi = 0.0f;
};
// log p_t: the top `densityRange` nats below the layer's robust maximum.
HeatmapRange densityRange(const core::GridLayer& density, float densityRange);
// div v: symmetric around 0, ±max(|lo|, |hi|) (at least 1e-3).
HeatmapRange divergenceRange(const core::GridLayer& divergence);
// Target log density: the top 6 nats.
HeatmapRange targetDensityRange(const core::GridLayer& target);

}  // namespace flowlab::core
