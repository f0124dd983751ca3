// Canvas drawing: one opaque quad of the CPU-painted image, cleared around only when the camera
// has moved since the image was painted.
#include "app/render/canvas_quad.hpp"

#include <cmath>

#include "core/render/heatmap_colours.hpp"

namespace flowlab::app::render {

CanvasQuad::CanvasQuad() = default;

void CanvasQuad::update(const std::shared_ptr<const core::ViewFrame>& frame,
                        const core::ViewSettings& view) {
  if (!frame) return;
  if (frame->density) {
    const core::HeatmapRange r = core::densityRange(*frame->density, view.densityRange);
    densityLo_ = r.lo;
    densityHi_ = r.hi;
  }
  if (frame->divergence) divergenceScale_ = core::divergenceRange(*frame->divergence).hi;
}

void CanvasQuad::updateImage(const std::shared_ptr<const CanvasImage>& image) {
  if (!image || image->sequence == imageSeen_) return;
  imageSeen_ = image->sequence;
  if (image->empty)
    image_.clear();
  else
    image_.set(image->image);
}

PixelRect CanvasQuad::viewport(const Camera2d& camera, float fbScaleX, float fbScaleY,
                               int framebufferHeight) {
  const int x = static_cast<int>(std::lround(camera.viewportLeft() * fbScaleX));
  const int w = static_cast<int>(std::lround(camera.viewportWidth() * fbScaleX));
  const int h = static_cast<int>(std::lround(camera.viewportHeight() * fbScaleY));
  const int y =
      framebufferHeight - static_cast<int>(std::lround(camera.viewportTop() * fbScaleY)) - h;
  return {x, y, x + w, y + h};
}

void CanvasQuad::draw(const Camera2d& camera, float fbScaleX, float fbScaleY,
                      int framebufferHeight) {
  const PixelRect rect = viewport(camera, fbScaleX, fbScaleY, framebufferHeight);
  const int x = rect.x0, y = rect.y0, w = rect.x1 - rect.x0, h = rect.y1 - rect.y0;
  glViewport(x, y, w, h);
  glScissor(x, y, w, h);
  glEnable(GL_SCISSOR_TEST);
  // The image is opaque and, unless the camera moved since it was painted, covers the canvas
  // exactly: then there is nothing to clear.
  const bool covers = !image_.empty() && image_.width() == w && image_.height() == h &&
                      core::sameBox(image_.box(), camera.visibleBox());
  if (!covers) {
    const float r = (core::kCanvasBackground & 0xff) / 255.0f;
    const float g = ((core::kCanvasBackground >> 8) & 0xff) / 255.0f;
    const float b = ((core::kCanvasBackground >> 16) & 0xff) / 255.0f;
    glClearColor(r, g, b, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
  }
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_CULL_FACE);
  image_.draw(camera.clipTransform());
  glDisable(GL_SCISSOR_TEST);
}

}  // namespace flowlab::app::render
