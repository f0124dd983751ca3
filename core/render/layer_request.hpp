// What the view worker is asked for so that the canvas can paint the layers of a ViewSettings at
// time t over the world box the camera shows: the field's arrow grid, the heatmaps' box, the
// layers that exist for the model. The app and `flowlab render` ask alike. GL-free; any thread.
#pragma once

#include "core/render/view_settings.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::core {

// The field arrows: square cells over `visible`, about `arrowsAcross` along its longer side,
// centred on it.
struct FieldGrid {
  int cols = 1, rows = 1;
  Box box{};
};
FieldGrid fieldGrid(const Box& visible, int arrowsAcross);

// The heatmaps' box: a square that covers `visible` with a margin, its side and centre snapped
// to a power-of-two grid of about an eighth of the view, so that a small pan or zoom asks for
// the same grid again (no recomputation) while a large one asks for a new one.
Box heatmapBox(const Box& visible);

// The request for the layers of `view` at t (1 without a velocity field). While t moves
// (`moving`), the heatmaps are asked at half the chosen size (at least kMinHeatmapSize), a
// quarter of the work, so they keep close behind it.
constexpr int kMinHeatmapSize = 32;
ViewRequest layerRequest(const ViewSettings& view, double t, FlowDirection direction,
                         const Box& visible, bool continuous, bool moving);

}  // namespace flowlab::core
