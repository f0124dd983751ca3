// A comparison's small multiples as one picture: a column per row (a reflow round or a method),
// all over the same world box. On top the flow itself: the pathlines of the same base points
// (RK4, coloured by where they start, as the app colours them) over the target sample; below,
// the coupling the row trained on — lines x0 → x1 for the first pairs, the ones that cross
// another in red (independent pairs for 1-RF tangle; reflow's pairs do not); under both the
// row's figures. Painted with the app's CanvasPainter and raster primitives. GL-free; any thread.
#pragma once

#include "core/compare/comparison.hpp"
#include "core/io/png_image.hpp"

namespace flowlab::core {

// panelSize: pixels of each square panel (≥ 64). Throws std::invalid_argument for an empty
// comparison.
RgbImage comparisonPanels(const Comparison& c, int panelSize = 360);

// The square world box the panels show: the base points and the target sample, padded.
Box comparisonBox(const Comparison& c);

}  // namespace flowlab::core
