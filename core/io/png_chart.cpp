// Line charts in RGB images (see png_chart.hpp).
#include "core/io/png_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace flowlab::core {
namespace {

const Colour kFrame{0.45f, 0.47f, 0.52f}, kText{0.86f, 0.88f, 0.91f}, kDim{0.55f, 0.57f, 0.62f};

// One axis: the data range mapped onto a pixel span, on a linear or log10 scale.
struct Axis {
  bool log = false;
  double lo = 0.0, hi = 1.0;  // in scale units (log10 of the value on a log axis)
  bool usable(double v) const { return std::isfinite(v) && (!log || v > 0.0); }
  double scaled(double v) const { return log ? std::log10(v) : v; }
  void include(double v) {
    lo = std::min(lo, scaled(v));
    hi = std::max(hi, scaled(v));
  }
  // Fraction along the axis, 0 at lo and 1 at hi.
  double fraction(double v) const { return (scaled(v) - lo) / (hi - lo); }
};

// A point is drawn when both its coordinates are usable on their axes.
bool drawable(const ChartSpec& spec, double x, double y) {
  return std::isfinite(x) && std::isfinite(y) && (!spec.logX || x > 0.0) && (!spec.logY || y > 0.0);
}

// The axis over every drawable point's x (isX) or y, and the reference line's y.
Axis axisOver(const ChartSpec& spec, bool isX) {
  Axis a;
  a.log = isX ? spec.logX : spec.logY;
  a.lo = std::numeric_limits<double>::infinity();
  a.hi = -a.lo;
  for (const ChartSeries& s : spec.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (drawable(spec, s.x[i], s.y[i])) a.include(isX ? s.x[i] : s.y[i]);
  if (!isX && !spec.referenceLabel.empty() && a.usable(spec.reference)) a.include(spec.reference);
  if (!(a.lo <= a.hi)) return a;  // no data: left infinite
  if (a.hi - a.lo < 1e-12) {      // a single value: widen around it
    a.lo -= a.log ? 0.5 : std::max(1e-6, std::abs(a.lo) * 0.1);
    a.hi += a.log ? 0.5 : std::max(1e-6, std::abs(a.hi) * 0.1);
  }
  if (!a.log) {  // a little room at both ends
    const double pad = 0.05 * (a.hi - a.lo);
    a.lo -= pad;
    a.hi += pad;
  }
  return a;
}

std::string tickLabel(double v, bool log) {
  char buf[32];
  if (log) {
    const double p = std::round(v);
    if (p >= 0 && p <= 3)
      std::snprintf(buf, sizeof buf, "%g", std::pow(10.0, p));
    else
      std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(p));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

// Tick positions in scale units: the integer powers of ten in range on a log axis (every
// other one when there are many), else about five round steps.
std::vector<double> ticks(const Axis& a) {
  std::vector<double> t;
  if (a.log) {
    const int first = static_cast<int>(std::ceil(a.lo - 1e-9)),
              last = static_cast<int>(std::floor(a.hi + 1e-9));
    const int stride = last - first > 6 ? 2 : 1;
    for (int p = first; p <= last; p += stride) t.push_back(p);
    return t;
  }
  const double raw = (a.hi - a.lo) / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / mag < 2 ? 2 * mag : raw / mag < 5 ? 5 * mag : 10 * mag;
  for (double v = std::ceil(a.lo / step) * step; v <= a.hi + 1e-12; v += step)
    t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  return t;
}

void dot(RgbImage& image, double px, double py, Colour c) {
  for (int dy = -2; dy <= 2; ++dy)
    for (int dx = -2; dx <= 2; ++dx)
      if (dx * dx + dy * dy <= 5)
        image.set(static_cast<int>(std::lround(px)) + dx, static_cast<int>(std::lround(py)) + dy,
                  c);
}

}  // namespace

void drawLine(RgbImage& image, double x0, double y0, double x1, double y1, Colour colour,
              int thickness) {
  const double length = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  const int n = std::max(1, static_cast<int>(std::ceil(length)));
  const int r0 = -(thickness - 1) / 2, r1 = thickness / 2;
  for (int i = 0; i <= n; ++i) {
    const double s = static_cast<double>(i) / n;
    const int px = static_cast<int>(std::lround(x0 + s * (x1 - x0)));
    const int py = static_cast<int>(std::lround(y0 + s * (y1 - y0)));
    for (int dy = r0; dy <= r1; ++dy)
      for (int dx = r0; dx <= r1; ++dx) image.set(px + dx, py + dy, colour);
  }
}

void drawChart(RgbImage& image, int x, int y, int width, int height, const ChartSpec& spec) {
  const int titleWidth = drawText(image, x, y, spec.title, kText, 2);
  drawText(image, x + titleWidth + 10, y + 5, spec.yLabel, kDim);
  // The plot area: room for the title above, tick labels left and below, the legend below.
  const int left = x + 44, top = y + 24, right = x + width - 8;
  const int bottom = y + height - 30 - 12 * static_cast<int>((spec.series.size() + 2) / 3);
  drawLine(image, left, top, left, bottom, kFrame);
  drawLine(image, left, bottom, right, bottom, kFrame);
  const Axis ax = axisOver(spec, true);
  const Axis ay = axisOver(spec, false);
  if (!(ax.lo <= ax.hi) || !(ay.lo <= ay.hi)) {
    drawText(image, left + 10, top + 10, "no data", kDim);
    return;
  }
  auto px = [&](double v) { return left + ax.fraction(v) * (right - left); };
  auto py = [&](double v) { return bottom - ay.fraction(v) * (bottom - top); };
  for (double t : ticks(ax)) {
    const double v = ax.log ? std::pow(10.0, t) : t, p = px(v);
    drawLine(image, p, bottom, p, bottom + 3, kFrame);
    const std::string label = tickLabel(t, ax.log);
    const int lx =
        std::min(static_cast<int>(p) - textWidth(label) / 2, x + width - textWidth(label));
    drawText(image, lx, bottom + 5, label, kDim);
  }
  for (double t : ticks(ay)) {
    const double v = ay.log ? std::pow(10.0, t) : t, p = py(v);
    drawLine(image, left - 3, p, left, p, kFrame);
    const std::string label = tickLabel(t, ay.log);
    drawText(image, left - 5 - textWidth(label), static_cast<int>(p) - 3, label, kDim);
  }
  drawText(image, right - textWidth(spec.xLabel), bottom + 15, spec.xLabel, kDim);
  if (!spec.referenceLabel.empty() && ay.usable(spec.reference)) {
    const double p = py(spec.reference);
    for (int sx = left; sx < right; sx += 8)
      drawLine(image, sx, p, std::min(sx + 4, right), p, kDim);
    drawText(image, right - textWidth(spec.referenceLabel), static_cast<int>(p) - 9,
             spec.referenceLabel, kDim);
  }
  for (const ChartSeries& s : spec.series) {
    bool havePrevious = false;
    double qx = 0, qy = 0;
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!drawable(spec, s.x[i], s.y[i])) continue;
      const double cx = px(s.x[i]), cy = py(s.y[i]);
      if (havePrevious) drawLine(image, qx, qy, cx, cy, s.colour, 2);
      dot(image, cx, cy, s.colour);
      qx = cx;
      qy = cy;
      havePrevious = true;
    }
  }
  // Legend: three entries a row under the axis labels.
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const int lx = left + static_cast<int>(i % 3) * ((right - left) / 3);
    const int ly = bottom + 28 + 12 * static_cast<int>(i / 3);
    drawLine(image, lx, ly + 3, lx + 14, ly + 3, spec.series[i].colour, 2);
    drawText(image, lx + 18, ly, spec.series[i].name, kText);
  }
}

}  // namespace flowlab::core
