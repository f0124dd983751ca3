// A scalar grid (log p_t, div v, target log density) as a colour-mapped texture over its world
// box. Colours are computed on upload (a 128×128 grid is 16k texels), so drawing is one texture
// fetch per fragment. UI thread only.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "app/gl/texture.hpp"
#include "core/density_grid.hpp"

namespace flowlab::app::render {

enum class HeatmapRamp { Sequential, Diverging, Grey };

// The premultiplied RGBA colour of one grid value (GL-free; see heatmapColors).
std::array<std::uint8_t, 4> heatmapColor(float value, HeatmapRamp ramp, float lo, float hi);

class HeatmapLayer {
 public:
  HeatmapLayer();
  // Sequential/Grey: lo..hi maps onto the ramp and values near lo fade out (so the layers
  // beneath show through); Diverging: −scale..scale with scale = max(|lo|, |hi|), transparent
  // near 0. NaN means "no data yet" (transparent).
  void set(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi);
  void draw(const std::array<float, 4>& view, float opacity);
  bool empty() const { return !has_; }

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Texture texture_;
  core::Box box_{};
  bool has_ = false;
  std::vector<std::uint8_t> texels_;
};

}  // namespace flowlab::app::render
