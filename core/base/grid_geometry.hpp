// A grid of cols × rows cells over a box: the one place that knows where cell (i, j) is. Row
// j = 0 is the BOTTOM row (y0), as for a GL texture; values are stored row after row, index
// j·cols + i. Every grid of flowlab uses it: density and divergence grids, field arrows, the
// painted target's image, the canvas raster. GL-free; a plain value, any thread.
#pragma once

#include "core/base/types.hpp"

namespace flowlab::core {

struct GridGeometry {
  Box box{};
  int cols = 0, rows = 0;

  double cellWidth() const { return box.width() / cols; }
  double cellHeight() const { return box.height() / rows; }
  // World coordinates of the centre of column i and of row j (j = 0 at the bottom).
  double centreX(int i) const { return box.x0 + (i + 0.5) * cellWidth(); }
  double centreY(int j) const { return box.y0 + (j + 0.5) * cellHeight(); }
  int index(int i, int j) const { return j * cols + i; }
  // Every cell centre, 2×(cols·rows), column index(i, j) for cell (i, j).
  Points cellCentres() const {
    Points p(2, static_cast<Eigen::Index>(cols) * rows);
    for (int j = 0; j < rows; ++j)
      for (int i = 0; i < cols; ++i) {
        p(0, index(i, j)) = static_cast<float>(centreX(i));
        p(1, index(i, j)) = static_cast<float>(centreY(j));
      }
    return p;
  }
};

}  // namespace flowlab::core
