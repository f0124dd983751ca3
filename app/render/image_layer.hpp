// The CPU-painted canvas image drawn over its world box as one opaque textured quad. One
// nearest texture fetch per fragment, no blending and no per-primitive set-up: what software GL
// does fastest. UI thread only.
#pragma once

#include <array>
#include <cstdint>

#include "app/gl/buffer.hpp"
#include "app/gl/shader.hpp"
#include "app/gl/texture.hpp"
#include "core/render/raster_image.hpp"

namespace flowlab::app::render {

class ImageLayer {
 public:
  ImageLayer();
  // Uploads the image's pixels (row 0 at the bottom) and remembers its world box and size.
  void set(const core::RasterImage& image);
  void clear() { has_ = false; }
  bool empty() const { return !has_; }
  const core::Box& box() const { return box_; }
  int width() const { return texture_.width(); }
  int height() const { return texture_.height(); }
  // Draws the quad opaque (blending off); `view` maps world to clip coordinates.
  void draw(const std::array<float, 4>& view);

 private:
  gl::Program program_;
  gl::VertexArray vao_;
  gl::Texture texture_;
  core::Box box_{};
  bool has_ = false;
};

}  // namespace flowlab::app::render
