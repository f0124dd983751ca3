// Arrow glyphs: six shaft corners and three head corners, instanced per field sample.
#include "app/render/field_layer.hpp"

#include <algorithm>

namespace flowlab::app::render {

FieldLayer::FieldLayer() {
  program_.build("field.vert", "field.frag");
  // (fraction of length, head lengths back, shaft half-widths across, head half-widths across)
  const float corners[] = {0, 0, -1, 0,  1, 1, -1, 0, 1, 1, 1, 0,   // shaft, first triangle
                           0, 0, -1, 0,  1, 1, 1,  0, 0, 0, 1, 0,   // shaft, second triangle
                           1, 1, 0,  -1, 1, 0, 0,  0, 1, 1, 0, 1};  // head
  corners_.upload(corners, sizeof corners, GL_STATIC_DRAW);
  vao_.attribute(0, corners_, 4, 4 * sizeof(float));
  vao_.attribute(1, instances_, 2, 4 * sizeof(float), 0, 1);
  vao_.attribute(2, instances_, 2, 4 * sizeof(float), 2 * sizeof(float), 1);
  glBindVertexArray(0);
}

void FieldLayer::set(const core::FieldSamples& field) {
  const auto n = field.positions.cols();
  scratch_.resize(static_cast<std::size_t>(n) * 4);
  for (Eigen::Index i = 0; i < n; ++i) {
    scratch_[4 * i + 0] = field.positions(0, i);
    scratch_[4 * i + 1] = field.positions(1, i);
    scratch_[4 * i + 2] = field.velocities(0, i);
    scratch_[4 * i + 3] = field.velocities(1, i);
  }
  instances_.upload(scratch_.data(), scratch_.size() * sizeof(float));
  count_ = static_cast<int>(n);
  maxSpeed_ = std::max(field.maxSpeed, 1e-6f);
}

void FieldLayer::draw(const std::array<float, 4>& view, float viewportWidth, float viewportHeight,
                      float cellPixels, float alpha) {
  if (count_ == 0) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_pixelToClip", 2.0f / viewportWidth, 2.0f / viewportHeight);
  program_.set("u_maxSpeed", maxSpeed_);
  program_.set("u_maxLength", 0.95f * cellPixels);
  program_.set("u_shaft", 0.75f);
  program_.set("u_head", std::clamp(0.14f * cellPixels, 2.0f, 5.0f));
  program_.set("u_headLength", std::clamp(0.3f * cellPixels, 3.0f, 9.0f));
  program_.set("u_alpha", alpha);
  vao_.bind();
  glDrawArraysInstanced(GL_TRIANGLES, 0, 9, count_);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
