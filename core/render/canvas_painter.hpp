// Folder render/: the canvas as a picture, painted on the CPU without GL (the layers' switches
// and styles, colour maps, raster primitives, every layer painted into one image, PNG files) —
// the app shows it, the command line writes it.
//
// Paints every layer of the canvas of one ViewFrame at time t into one opaque RasterImage, in
// the order they stack: background, target density, model density, divergence, grid lines and
// axes, warped grid, field arrows, streamlines, target samples, pathlines, particles: colour-
// mapped heatmaps with bilinear filtering, arrows coloured by speed, round points, pathlines
// fading with age. GL-free. Not thread-safe: one painter
// belongs to one thread (the raster worker's).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/render/heatmap_colours.hpp"
#include "core/render/raster_image.hpp"
#include "core/render/view_settings.hpp"
#include "core/view/view_worker.hpp"

namespace flowlab::core {

// The canvas's background (what shows where no layer paints).
constexpr PackedRgb kCanvasBackground = core::packed({0.07f, 0.075f, 0.09f});

// Field arrows: an arrow of twice the flow's typical speed (or faster) is this many field cells
// long; slower ones in proportion, so the typical speed draws half of it (the legend's arrow).
constexpr float kArrowCells = 1.2f;

// A t-dependent heatmap computed for another t than the one shown (it follows the animation a
// view cycle behind) is painted fainter, the more so the further behind it is: its opacity is
// scaled by 1 − 0.1 per started kStaleFadeStep of the gap, down to kStaleFadeFloor (quantised,
// so the background is repainted only when the fade changes a step); 1 when current.
constexpr double kStaleFadeStep = 0.05, kStaleFadeFloor = 0.3;
float staleHeatmapFade(double gridT, double shownT);

// What to paint: the data, the time, the canvas (world box and pixels) and the layer styles.
struct CanvasRequest {
  std::shared_ptr<const core::ViewFrame> frame;                   // null: background and axes
  double t = 1.0;                                                 // flow time shown, in [0, 1]
  core::FlowDirection direction = core::FlowDirection::Generate;  // pathlines trail behind t
  bool continuous = true;     // false: no pathlines, arrows, streamlines or divergence
  core::Box box{};            // world rectangle of the canvas
  int width = 0, height = 0;  // canvas size in framebuffer pixels
  float pixelScale = 1.0f;    // framebuffer pixels per screen pixel (styles are in screen px)
  ViewSettings view;          // switches and styles of the layers
  // The solver lab's solve and the step shown (null: lab off). When set it replaces the
  // particles and pathlines.
  std::shared_ptr<const core::SolverLabLayer> lab;
  int labStep = 0;
  int labMarked = -1;  // the particle whose ledger the lab reads out (−1: none)
  // Stages side by side (null: off). When set the canvas is split into one panel per stage
  // (panelSpan), each showing that stage's particles and paths over the target samples (the
  // model layers of one stage are not drawn).
  std::shared_ptr<const core::CompareLayer> compare;
  bool couplings = false;      // ... and over each panel, the pairs its stage trained on
  bool crossingPaths = false;  // ... and its paths that cross another path, in red
  std::uint64_t sequence = 0;  // set by the raster worker
};

// Panel k of `panels` on a canvas of width × height pixels, laid out in the grid of rows and
// columns that gives the largest square panels: its pixel rectangle [x0, x1) × [y0, y1) (row 0
// of the canvas at the bottom, as RasterImage's), and its world box, centred on `box`'s centre
// at a common scale that fits all of `box` into each panel (so that panning and zooming move
// every panel alike).
struct PanelSpan {
  int x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  core::Box box{};
};
PanelSpan panelSpan(const core::Box& box, int width, int height, int panels, int k);

class CanvasPainter {
 public:
  CanvasPainter();
  // Resets `image` to the request's box and size and paints it: the background everywhere,
  // then the layers that are on and have data. Every pixel ends opaque. Returns false when the
  // image has no pixels (zero size).
  bool paint(const CanvasRequest& request, RasterImage& image);

 private:
  // The bottom of the stack that does not move with t: background colour, heatmaps, grid lines
  // and axes (kept in heatmaps_) and, when no warped grid lies between them and the rest, the
  // arrows (kept over a copy of it in background_). Each is repainted only when its inputs
  // change: the arrows follow the animation's t, the heatmaps change less often.
  struct BackgroundKey {
    int width = 0, height = 0;
    core::Box box{};
    float pixelScale = 1.0f;
    std::shared_ptr<const core::GridLayer> targetDensity, density, divergence;  // null: off
    float targetDensityOpacity = 0, densityOpacity = 0, densityRange = 0, divergenceOpacity = 0;
    std::shared_ptr<const core::FieldSamples> field;  // null: the arrows are painted per frame
    float arrowAlpha = 0;
    bool sameHeatmaps(const BackgroundKey& o) const;  // every input of heatmaps_ equal
    bool operator==(const BackgroundKey& o) const;    // ... and of the arrows too
  };
  BackgroundKey backgroundKey(const CanvasRequest& request) const;
  // The background colour, heatmaps, grid lines and axes.
  void paintHeatmaps(const BackgroundKey& key, RasterImage& image);
  void paintHeatmap(const core::GridLayer& layer, HeatmapRamp ramp, HeatmapRange range,
                    float opacity, RasterImage& image);
  void paintAxes(float pixelScale, RasterImage& image);
  void paintWarpedGrid(const CanvasRequest& request, const core::ParticleTable& grid,
                       int pointsPerLine, RasterImage& image);
  void paintArrows(const core::FieldSamples& field, float alpha, float pixelScale,
                   RasterImage& image);
  void paintStreamlines(const CanvasRequest& request, const core::StreamlineLayer& layer,
                        RasterImage& image);
  void paintPaths(const CanvasRequest& request, const core::ParticleTable& table,
                  RasterImage& image);
  void paintParticles(const CanvasRequest& request, const core::ParticleTable& table,
                      RasterImage& image);
  // The stages side by side (request.compare): a panel each, painted by this painter.
  void paintPanels(const CanvasRequest& request, RasterImage& image);
  // Colours by start point of the table's columns, recomputed only when the starts change.
  const std::vector<PackedRgb>& startColours(const core::Points& start);

  BackgroundKey backgroundKey_;
  bool backgroundValid_ = false;
  RasterImage heatmaps_, background_;
  std::vector<std::uint32_t> texels_;  // one heatmap's cell colours

  // The newest complete warped grid (a new one is shown once all its lines are computed).
  std::shared_ptr<const core::ParticleTable> warpedGrid_;
  int warpedGridPerLine_ = 0;

  std::array<PackedRgb, 256> densityRamp_{};  // sequential ramp, s = index / 255
  core::Points startsSeen_;                   // the starts startColours_ belong to
  std::vector<PackedRgb> startColours_, valueColours_;
  std::vector<float> magnitudes_;  // ledgerColours' scratch
  core::Points positions_;         // 2×N particle (or grid vertex) positions at t, reused
  core::PointRow values_;          // 1×N log p_t at the particles
  RasterImage panel_;              // one panel of the stages side by side
  std::shared_ptr<core::ViewFrame> panelFrame_;  // its layers (the panel's table, the samples)
  std::vector<double> pathTimes_;
  std::vector<float> pathXy_, pathAlpha_;
};

}  // namespace flowlab::core
