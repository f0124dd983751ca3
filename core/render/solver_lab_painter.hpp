// Painting the solver lab's solve at one step into the canvas image: the trails of the steps so
// far (straight chords x_j → x_{j+1}, the solver's actual moves, fading with age), every particle
// at x_k, a line from x_k to the reference position for the highlighted particles, and the stages
// of the step that led to x_k — each stage point with its velocity times the step (h·k_i) as an
// arrow, one colour per stage (stageColour). GL-free; raster thread.
#pragma once

#include <vector>

#include "core/render/raster_image.hpp"
#include "core/render/view_settings.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::core {

// The colour of stage i (0-based: k1 is 0) in the canvas and the legend.
core::Colour stageColour(int i);

// `step` is clamped to the layer's steps; `marked`: a highlighted particle ringed in yellow (the
// one whose ledger is read out; −1: none); pixelScale: framebuffer pixels per screen pixel;
// colours: one per start point (the painter's cached start colours, or ledgerColours).
void paintSolverLab(const core::SolverLabLayer& lab, int step, int marked, const ViewSettings& view,
                    float pixelScale, const std::vector<PackedRgb>& colours, RasterImage& image);

// Colours by the ledger so far, ℓ = ∫_t^1 div v dt: red where it is positive (the flow spreads
// these paths: the density falls from t to 1), blue where it is negative; the scale is the 98th
// percentile of |ℓ|. Reuses the storage of `out` and `scratch` (no allocation once sized).
void ledgerColours(const core::PointRow& ledger, std::vector<PackedRgb>& out,
                   std::vector<float>& scratch);

}  // namespace flowlab::core
