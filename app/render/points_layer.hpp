// Draws point clouds (particles at t, target samples) as round GL points. UI thread only.
#pragma once

#include <array>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "core/types.hpp"

namespace flowlab::app::render {

struct PointStyle {
  float size = 2.5f;                          // pixels
  int colorMode = 0;                          // 0: by start, 1: by value, 2: flat
  std::array<float, 4> color{1, 1, 1, 0.8f};  // flat colour; alpha used in every mode
  float valueLo = 0.0f, valueHi = 1.0f;
};

class PointsLayer {
 public:
  PointsLayer();
  // positions: 2×n. starts: 2×n or empty. values: 1×n or empty.
  void setPositions(const core::Points& positions);
  void setStarts(const core::Points& starts);
  void setValues(const core::PointRow& values);
  void draw(const std::array<float, 4>& view, const PointStyle& style);
  int count() const { return count_; }

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Buffer positions_, starts_, values_;
  int count_ = 0;
};

}  // namespace flowlab::app::render
