// Folder render/: getting pictures onto the screen with OpenGL (the canvas image, cached panels).
//
// The canvas renderer: uploads the newest CPU-painted canvas image (every layer, painted by the
// raster worker) and draws it in the camera's viewport; keeps the legends' value ranges of the
// newest ViewFrame. UI thread only.
#pragma once

#include <memory>

#include "app/canvas/raster_worker.hpp"
#include "app/render/image_layer.hpp"
#include "app/render/panel_cache.hpp"
#include "app/state/camera2d.hpp"
#include "core/render/view_settings.hpp"
#include "core/view/view_worker.hpp"

namespace flowlab::app::render {

class CanvasQuad {
 public:
  CanvasQuad();  // compiles the shaders; throws std::runtime_error naming a failing shader

  // Takes the newest frame's value ranges for the legends.
  void update(const std::shared_ptr<const core::ViewFrame>& frame, const core::ViewSettings& view);
  // Takes the newest canvas image; uploads it when it is new. Null keeps what was shown.
  void updateImage(const std::shared_ptr<const CanvasImage>& image);
  // Draws into the camera's viewport. fbScale: framebuffer pixels per screen pixel.
  void draw(const Camera2d& camera, float fbScaleX, float fbScaleY, int framebufferHeight);
  // The camera's viewport in framebuffer pixels (origin at the bottom left).
  static PixelRect viewport(const Camera2d& camera, float fbScaleX, float fbScaleY,
                            int framebufferHeight);

  // The log-density range the density heatmap shows (for its legend).
  float densityLo() const { return densityLo_; }
  float densityHi() const { return densityHi_; }
  float divergenceScale() const { return divergenceScale_; }

 private:
  ImageLayer image_;
  std::uint64_t imageSeen_ = 0;
  float densityLo_ = 0.0f, densityHi_ = 0.0f, divergenceScale_ = 1.0f;
};

}  // namespace flowlab::app::render
