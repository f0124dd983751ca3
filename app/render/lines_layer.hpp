// Flat-coloured line segments in world coordinates: the warped grid and the canvas axes.
// UI thread only.
#pragma once

#include <array>
#include <vector>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"

namespace flowlab::app::render {

class LinesLayer {
 public:
  LinesLayer();
  // segments: (x0, y0, x1, y1) per segment, flattened.
  void set(const std::vector<float>& segments);
  void draw(const std::array<float, 4>& view, const std::array<float, 4>& color);
  // Draws only segments [first, first + count).
  void drawRange(const std::array<float, 4>& view, const std::array<float, 4>& color, int first,
                 int count);
  int segments() const { return count_ / 2; }

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Buffer vertices_;
  int count_ = 0;
};

}  // namespace flowlab::app::render
