// Pathline geometry: GL_LINES with (x, y, time, start x, start y) per vertex.
#include "app/render/paths_layer.hpp"

#include <algorithm>

namespace flowlab::app::render {

PathsLayer::PathsLayer() {
  program_.build("paths.vert", "paths.frag");
  constexpr std::size_t stride = 5 * sizeof(float);
  vao_.attribute(0, vertices_, 2, stride, 0);
  vao_.attribute(1, vertices_, 1, stride, 2 * sizeof(float));
  vao_.attribute(2, vertices_, 2, stride, 3 * sizeof(float));
  glBindVertexArray(0);
}

void PathsLayer::build(const core::ParticleTable& table, int count, int subdivisions) {
  count = std::min(count, table.valid);
  scratch_.clear();
  if (table.times.size() < 2 || count <= 0) {
    count_ = 0;
    return;
  }
  const int segments = static_cast<int>(table.times.size() - 1) * std::max(subdivisions, 1);
  const double t0 = table.times.front(), t1 = table.times.back();
  scratch_.reserve(static_cast<std::size_t>(count) * segments * 10);
  for (int p = 0; p < count; ++p) {
    const float sx = table.start(0, p), sy = table.start(1, p);
    Eigen::Vector2f prev = table.positionAt(p, t0);
    float prevT = static_cast<float>(t0);
    for (int s = 1; s <= segments; ++s) {
      const double t = t0 + (t1 - t0) * s / segments;
      const Eigen::Vector2f cur = table.positionAt(p, t);
      for (const auto& [pos, time] :
           {std::pair{prev, prevT}, std::pair{cur, static_cast<float>(t)}}) {
        scratch_.insert(scratch_.end(), {pos.x(), pos.y(), time, sx, sy});
      }
      prev = cur;
      prevT = static_cast<float>(t);
    }
  }
  vertices_.upload(scratch_.data(), scratch_.size() * sizeof(float));
  count_ = static_cast<int>(scratch_.size() / 5);
}

void PathsLayer::draw(const std::array<float, 4>& view, float t, float direction, float trail,
                      float alpha) {
  if (count_ == 0) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_t", t);
  program_.set("u_dir", direction);
  program_.set("u_trail", std::max(trail, 1e-3f));
  program_.set("u_alpha", alpha);
  vao_.bind();
  glDrawArrays(GL_LINES, 0, count_);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
