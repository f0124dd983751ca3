// RAII wrapper for a 2-D RGBA8 texture (the CPU-painted canvas). UI thread only.
#pragma once

#include <epoxy/gl.h>

namespace flowlab::app::gl {

class Texture {
 public:
  Texture() { glGenTextures(1, &id_); }
  ~Texture() { glDeleteTextures(1, &id_); }
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // width·height RGBA texels, row 0 at the bottom; nearest filtering (the canvas image maps
  // texels to pixels one to one), clamped edges.
  void uploadRgba8(int width, int height, const unsigned char* texels);
  void bind(int unit) const;
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  GLuint id_ = 0;
  int width_ = 0, height_ = 0;
};

}  // namespace flowlab::app::gl
