// Point clouds: one vertex per point, attributes in separate buffers so positions can stream
// every frame while start colours stay put.
#include "app/render/points_layer.hpp"

namespace flowlab::app::render {

PointsLayer::PointsLayer() {
  program_.build("points.vert", "points.frag");
  vao_.attribute(0, positions_, 2, 2 * sizeof(float));
  vao_.attribute(1, starts_, 2, 2 * sizeof(float));
  vao_.attribute(2, values_, 1, sizeof(float));
  glDisableVertexAttribArray(1);
  glDisableVertexAttribArray(2);
  glBindVertexArray(0);
}

void PointsLayer::setPositions(const core::Points& positions) {
  positions_.upload(positions.data(), positions.size() * sizeof(float));
  count_ = static_cast<int>(positions.cols());
}

void PointsLayer::setStarts(const core::Points& starts) {
  starts_.upload(starts.data(), starts.size() * sizeof(float));
  vao_.bind();
  if (starts.size() > 0)
    glEnableVertexAttribArray(1);
  else
    glDisableVertexAttribArray(1);
  glBindVertexArray(0);
}

void PointsLayer::setValues(const core::PointRow& values) {
  values_.upload(values.data(), values.size() * sizeof(float));
  vao_.bind();
  if (values.size() > 0)
    glEnableVertexAttribArray(2);
  else
    glDisableVertexAttribArray(2);
  glBindVertexArray(0);
}

void PointsLayer::draw(const std::array<float, 4>& view, const PointStyle& style) {
  if (count_ == 0) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_pointSize", style.size);
  program_.set("u_colorMode", style.colorMode);
  program_.set("u_range", style.valueLo, style.valueHi);
  program_.set("u_color", style.color);
  vao_.bind();
  glDrawArrays(GL_POINTS, 0, count_);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
