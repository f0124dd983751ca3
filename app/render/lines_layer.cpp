// Line segments with one colour per draw call.
#include "app/render/lines_layer.hpp"

#include <algorithm>

namespace flowlab::app::render {

LinesLayer::LinesLayer() {
  program_.build("lines.vert", "lines.frag");
  vao_.attribute(0, vertices_, 2, 2 * sizeof(float));
  glBindVertexArray(0);
}

void LinesLayer::set(const std::vector<float>& segments) {
  vertices_.upload(segments.data(), segments.size() * sizeof(float));
  count_ = static_cast<int>(segments.size() / 2);
}

void LinesLayer::draw(const std::array<float, 4>& view, const std::array<float, 4>& color) {
  drawRange(view, color, 0, count_ / 2);
}

void LinesLayer::drawRange(const std::array<float, 4>& view, const std::array<float, 4>& color,
                           int first, int count) {
  count = std::min(count, count_ / 2 - first);
  if (count <= 0) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_color", color);
  vao_.bind();
  glDrawArrays(GL_LINES, 2 * first, 2 * count);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
