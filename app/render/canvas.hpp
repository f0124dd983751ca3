// The canvas renderer: owns every layer, uploads what changed in the newest ViewFrame, and
// draws the layers in the camera's viewport. UI thread only.
#pragma once

#include <memory>

#include "app/camera2d.hpp"
#include "app/raster_worker.hpp"
#include "app/render/field_layer.hpp"
#include "app/render/heatmap_layer.hpp"
#include "app/render/image_layer.hpp"
#include "app/render/lines_layer.hpp"
#include "app/view_settings.hpp"
#include "core/view_worker.hpp"

namespace flowlab::app::render {

class Canvas {
 public:
  Canvas();  // compiles the shaders; throws std::runtime_error naming a failing shader

  // Takes the newest frame: uploads changed layers and the warped grid at time t.
  void update(const std::shared_ptr<const core::ViewFrame>& frame, const ViewSettings& view,
              double t);
  // Takes the newest CPU-painted point layers (target samples, pathlines, particles); uploads
  // them when they are new. Null keeps what was shown.
  void updateImage(const std::shared_ptr<const CanvasImage>& image);
  // Draws into the camera's viewport. fbScale: framebuffer pixels per screen pixel.
  void draw(const Camera2d& camera, const ViewSettings& view, float fbScaleX, float fbScaleY,
            int framebufferHeight);

  // The log-density range the density heatmap shows (for its legend).
  float densityLo() const { return densityLo_; }
  float densityHi() const { return densityHi_; }
  float divergenceScale() const { return divergenceScale_; }

 private:
  void buildAxes(const Camera2d& camera);

  ImageLayer pointLayers_;
  FieldLayer field_;
  HeatmapLayer density_, divergence_, targetDensity_;
  LinesLayer grid_, axes_;

  std::shared_ptr<const core::ViewFrame> frame_;
  std::uint64_t pointLayersSeen_ = 0;
  bool pointLayersEmpty_ = true;
  const void* fieldSeen_ = nullptr;
  const void* densitySeen_ = nullptr;
  const void* divergenceSeen_ = nullptr;
  const void* targetDensitySeen_ = nullptr;
  const void* gridSeen_ = nullptr;
  double gridT_ = -1.0;
  float densityRangeSeen_ = 0.0f;
  float densityLo_ = 0.0f, densityHi_ = 0.0f, divergenceScale_ = 1.0f;
  core::Points positions_;
  std::vector<float> scratch_;
  int gridLineSegments_ = 0;
};

}  // namespace flowlab::app::render
