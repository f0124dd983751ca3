// Pathlines of the first particles: their cached knots refined by Catmull–Rom into line
// segments stamped with flow time; the shader shows only the recent past, fading. UI thread.
#pragma once

#include <array>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "core/view_worker.hpp"

namespace flowlab::app::render {

class PathsLayer {
 public:
  PathsLayer();
  // Rebuilds the segments of the first `count` particles (UI thread; cheap: ~30k vertices).
  void build(const core::ParticleTable& table, int count, int subdivisions = 6);
  // t: the current time; direction +1 (generate) or −1 (normalise); trail in flow time.
  void draw(const std::array<float, 4>& view, float t, float direction, float trail, float alpha);

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Buffer vertices_;
  int count_ = 0;
  std::vector<float> scratch_;
};

}  // namespace flowlab::app::render
