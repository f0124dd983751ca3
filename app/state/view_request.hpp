// What the app asks the view worker for: the layers of ViewSettings at the timeline's t, over
// what the camera shows. GL-free; UI thread only.
#pragma once

#include "app/state/solver_lab.hpp"
#include "app/state/timeline.hpp"
#include "core/render/view_settings.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::app {

// The field arrows: square cells over `visible`, about `arrowsAcross` along its longer side,
// centred on it.
struct FieldGrid {
  int cols = 1, rows = 1;
  core::Box box{};
};
FieldGrid fieldGrid(const core::Box& visible, int arrowsAcross);

// The heatmaps' box: a square that covers `visible` with a margin, its side and centre snapped
// to a power-of-two grid of about an eighth of the view, so that a small pan or zoom asks for
// the same grid again (no recomputation) while a large one asks for a new one.
core::Box heatmapBox(const core::Box& visible);

// The request for these settings at the timeline's t (t = 1 without a velocity field). While
// the timeline plays, the heatmaps are asked at half the chosen size (at least kMinHeatmapSize).
constexpr int kMinHeatmapSize = 32;
core::ViewRequest viewRequest(const core::ViewSettings& view, const Timeline& timeline,
                              const core::Box& visible, bool continuous);

// The solver lab on: the request carries the lab's solve, its layers (field, density, …) are at
// the lab's time t, and the particle layer is off (the lab draws its own particles).
void applySolverLab(core::ViewRequest& request, const SolverLab& lab,
                    const core::ViewSettings& view, core::FlowDirection direction, double t);

// Side by side on: the request carries the compare job (the particle layer's count, up to
// kMaxCompareParticles per panel, and its start points) — of the model's stages, or of race
// `race`'s methods when not 0; the current stage's own layers are off (the canvas shows the
// panels only).
constexpr int kMaxCompareParticles = 10000;
void applyCompare(core::ViewRequest& request, const core::ViewSettings& view,
                  std::uint64_t race = 0);

}  // namespace flowlab::app
