// The velocity field v(·, t) as instanced arrows: length and colour by speed. UI thread only.
#pragma once

#include <array>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "core/view_worker.hpp"

namespace flowlab::app::render {

class FieldLayer {
 public:
  FieldLayer();
  void set(const core::FieldSamples& field);
  // viewportPixels: canvas size; cellPixels: spacing of the arrows on screen.
  void draw(const std::array<float, 4>& view, float viewportWidth, float viewportHeight,
            float cellPixels, float alpha);

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Buffer corners_, instances_;
  int count_ = 0;
  float maxSpeed_ = 1.0f;
  std::vector<float> scratch_;
};

}  // namespace flowlab::app::render
