// A scalar grid (log p_t, div v, target log density) as a colour-mapped texture over its world
// box. Values are normalised on upload; the shader applies the ramp. UI thread only.
#pragma once

#include <array>
#include <vector>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "app/gl/texture.hpp"
#include "core/density_grid.hpp"

namespace flowlab::app::render {

enum class HeatmapRamp { Sequential = 0, Diverging = 1, Grey = 2 };

class HeatmapLayer {
 public:
  HeatmapLayer();
  // Sequential/Grey: lo..hi maps to 0..1 (values below lo fade out); Diverging: −scale..scale
  // maps to −1..1. Non-finite values mean "no data".
  void set(const core::DensityGrid& grid, HeatmapRamp ramp, float lo, float hi);
  void draw(const std::array<float, 4>& view, float opacity);
  bool empty() const { return !has_; }

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Texture texture_;
  core::Box box_{};
  HeatmapRamp ramp_ = HeatmapRamp::Sequential;
  bool has_ = false;
  std::vector<float> scratch_;
};

}  // namespace flowlab::app::render
