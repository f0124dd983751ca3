// Paints the canvas's line and point layers (streamlines, target samples, pathlines, particles,
// in the order they stack) of one ViewFrame at time t into a RasterImage. GL-free. Not thread-safe:
// one painter belongs to one thread (the raster worker's).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "app/canvas_raster.hpp"
#include "app/view_settings.hpp"
#include "core/view_worker.hpp"

namespace flowlab::app {

// What to paint: the data, the time, the canvas (world box and pixels) and the layer styles.
struct CanvasRequest {
  std::shared_ptr<const core::ViewFrame> frame;                   // null: a transparent image
  double t = 1.0;                                                 // flow time shown, in [0, 1]
  core::FlowDirection direction = core::FlowDirection::Generate;  // pathlines trail behind t
  bool continuous = true;      // false: no pathlines (a discrete flow has none)
  core::Box box{};             // world rectangle of the canvas
  int width = 0, height = 0;   // canvas size in framebuffer pixels
  float pixelScale = 1.0f;     // framebuffer pixels per screen pixel (styles are in screen px)
  ViewSettings view;           // switches and styles of the layers
  std::uint64_t sequence = 0;  // set by the raster worker
};

class CanvasPainter {
 public:
  CanvasPainter();
  // Resets `image` to the request's box and size and paints the layers that are on and have
  // data. Returns true when anything was painted (false: the image is transparent).
  bool paint(const CanvasRequest& request, RasterImage& image);

 private:
  void paintStreamlines(const CanvasRequest& request, const core::Streamlines& lines,
                        RasterImage& image);
  void paintPaths(const CanvasRequest& request, const core::ParticleTable& table,
                  RasterImage& image);
  void paintParticles(const CanvasRequest& request, const core::ParticleTable& table,
                      RasterImage& image);
  // Colours by start point of the table's columns, recomputed only when the starts change.
  const std::vector<PackedRgb>& startColours(const core::ParticleTable& table);

  std::array<PackedRgb, 256> densityRamp_{};  // sequential ramp, s = index / 255
  core::Points startsSeen_;                   // the starts startColours_ belong to
  std::vector<PackedRgb> startColours_, valueColours_;
  core::Points positions_;  // 2×N particle positions at t (reused between frames)
  core::PointRow values_;   // 1×N log p_t at the particles
  std::vector<double> pathTimes_;
  std::vector<float> pathXy_, pathAlpha_;
};

}  // namespace flowlab::app
