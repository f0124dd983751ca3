// A premultiplied RGBA8 image drawn over its world box as one textured quad (the CPU-painted
// point layers). One texture fetch per fragment and no per-primitive set-up, which is what
// software GL does fastest. UI thread only.
#pragma once

#include <array>
#include <cstdint>

#include "app/canvas_raster.hpp"
#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "app/gl/texture.hpp"

namespace flowlab::app::render {

class ImageLayer {
 public:
  ImageLayer();
  // Uploads the image's pixels (row 0 at the bottom) and remembers its world box.
  void set(const RasterImage& image);
  void clear() { has_ = false; }
  void draw(const std::array<float, 4>& view);

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Texture texture_;
  core::Box box_{};
  bool has_ = false;
};

}  // namespace flowlab::app::render
