// glReadPixels into an image, then PNG through image_io.
#include "app/screenshot.hpp"

#include <epoxy/gl.h>

#include <algorithm>

namespace flowlab::app {

core::RgbaImage readFramebuffer(int x, int yFromTop, int width, int height, int framebufferHeight) {
  core::RgbaImage image;
  image.width = std::max(width, 0);
  image.height = std::max(height, 0);
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 4);
  if (image.pixels.empty()) return image;
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(x, framebufferHeight - yFromTop - height, width, height, GL_RGBA, GL_UNSIGNED_BYTE,
               image.pixels.data());
  for (std::size_t i = 3; i < image.pixels.size(); i += 4) image.pixels[i] = 255;
  core::flipRows(image);  // GL's first row is the bottom one
  return image;
}

std::string saveScreenshot(const std::string& path, int x, int yFromTop, int width, int height,
                           int framebufferHeight) {
  return core::writePng(path, readFramebuffer(x, yFromTop, width, height, framebufferHeight));
}

}  // namespace flowlab::app
