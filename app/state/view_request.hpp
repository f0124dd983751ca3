// What the app asks the view worker for: the layers of ViewSettings at the timeline's t, over
// what the camera shows (core/render/layer_request), in the solver lab, side by side. GL-free;
// UI thread only.
#pragma once

#include "app/state/solver_lab.hpp"
#include "app/state/timeline.hpp"
#include "core/render/layer_request.hpp"
#include "core/render/view_settings.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::app {

using core::FieldGrid;
using core::fieldGrid;
using core::heatmapBox;
using core::kMinHeatmapSize;

// The request for these settings at the timeline's t (core::layerRequest; the heatmaps at half
// size while the timeline plays).
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
