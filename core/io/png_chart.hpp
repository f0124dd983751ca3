// Line charts drawn into an RgbImage for the CLI's pictures (no display needed): a frame with
// linear or logarithmic axes and their tick labels, one polyline with dot markers per series, a
// legend, and an optional dashed reference line. GL-free; pure functions on caller-owned
// images, any thread.
#pragma once

#include <string>
#include <vector>

#include "core/io/png_image.hpp"

namespace flowlab::core {

struct ChartSeries {
  std::string name;  // in the legend
  Colour colour;
  std::vector<double> x, y;  // the same length; points not finite (or ≤ 0 on a log axis) skipped
};

struct ChartSpec {
  std::string title, xLabel, yLabel;  // the y label is written after the title
  bool logX = false, logY = false;
  std::vector<ChartSeries> series;
  double reference = 0.0;      // a horizontal dashed line at this y, when referenceLabel is set
  std::string referenceLabel;  // empty: no reference line
};

// The chart in the rectangle [x, x + width) × [y, y + height) of `image` (pixels, y down).
// The axes span the data (and the reference); a chart without drawable points shows its frame
// and "no data".
void drawChart(RgbImage& image, int x, int y, int width, int height, const ChartSpec& spec);

// A straight line from (x0, y0) to (x1, y1) in pixels, `thickness` pixels wide.
void drawLine(RgbImage& image, double x0, double y0, double x1, double y1, Colour colour,
              int thickness = 1);

}  // namespace flowlab::core
