// Painting a coupling: the straight lines x0_i → x1_i of the pairs a flow trained on, with the
// lines that cross another (crossingColumns of crossings.hpp, found once by the caller) drawn
// last, in red, and the end points as dots (x0 blue, x1 amber). Reflow's pairs cross far less
// than independent ones (Liu et al. 2022). GL-free; any thread, one image at a time.
#pragma once

#include <vector>

#include "core/render/raster_image.hpp"

namespace flowlab::core {

// starts, ends: 2×m each (the first m pairs); crossing: the lines that cross another, in
// increasing order; pixelScale: framebuffer pixels per screen pixel.
void paintCoupling(RasterImage& image, const Points& starts, const Points& ends,
                   const std::vector<int>& crossing, float pixelScale);

}  // namespace flowlab::core
