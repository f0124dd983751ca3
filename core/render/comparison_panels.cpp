// A comparison's small multiples (see comparison_panels.hpp).
#include "core/render/comparison_panels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "core/compare/crossings.hpp"
#include "core/render/canvas_painter.hpp"
#include "core/render/coupling_painter.hpp"

namespace flowlab::core {
namespace {

constexpr int kMargin = 10, kTitle = 22, kFigureLines = 6, kLine = 13;
constexpr Colour kPage{0.07f, 0.075f, 0.09f}, kText{0.9f, 0.9f, 0.92f}, kDim{0.6f, 0.62f, 0.68f};

// The row's flow at t = 1 with its whole pathlines, over the target sample.
RasterImage flowPanel(const Comparison& c, const ComparisonRow& row, const Box& box, int size,
                      CanvasPainter& painter) {
  auto table = std::make_shared<ParticleTable>();
  const EntryMeasurement& m = row.measured;
  const bool paths = !m.paths.empty();
  if (paths) {
    table->positions = m.paths;
  } else {  // no ODE: where each point starts and where the map puts it
    table->positions = {c.base, m.endpoints};
  }
  const std::size_t knots = table->positions.size();
  for (std::size_t k = 0; k < knots; ++k) table->times.push_back(double(k) / double(knots - 1));
  table->start = table->positions.front();
  auto frame = std::make_shared<ViewFrame>();
  frame->particles = table;
  frame->targetSamples = std::make_shared<const Points>(c.target);
  CanvasRequest r;
  r.frame = frame;
  r.t = 1.0;
  r.continuous = paths;
  r.box = box;
  r.width = r.height = size;
  r.view.particles = true;
  r.view.pointSize = 2.0f;
  r.view.paths = paths;
  r.view.pathCount = 300;
  r.view.trail = 1.0f;
  r.view.pathAlpha = 0.5f;
  r.view.targetSamples = true;
  r.view.targetAlpha = 0.35f;
  r.view.density = r.view.field = r.view.divergence = r.view.warpedGrid = false;
  RasterImage image;
  painter.paint(r, image);
  return image;
}

// The coupling the row trained on: lines x0 → x1, crossing ones in red.
RasterImage couplingPanel(const Comparison& c, const ComparisonRow& row, const Box& box, int size,
                          CanvasPainter& painter) {
  CanvasRequest r;
  r.box = box;
  r.width = r.height = size;
  r.view.particles = r.view.paths = r.view.targetSamples = false;
  RasterImage image;
  painter.paint(r, image);
  const int m = static_cast<int>(row.couplingEnds.cols());
  const Points starts = c.base.leftCols(m);
  paintCoupling(image, starts, row.couplingEnds, crossingColumns({starts, row.couplingEnds}, m),
                1.0f);
  return image;
}

void blit(const RasterImage& from, RgbImage& to, int x0, int y0) {
  for (int j = 0; j < from.height; ++j)
    for (int i = 0; i < from.width; ++i) {
      const std::uint32_t p = from.at(i, from.height - 1 - j);  // raster row 0 is the bottom
      to.set(x0 + i, y0 + j,
             Colour{float(p & 0xff) / 255.0f, float((p >> 8) & 0xff) / 255.0f,
                    float((p >> 16) & 0xff) / 255.0f});
    }
}

std::string figure(const char* label, double value, const char* format = "%.4g") {
  char number[32] = "-";
  if (std::isfinite(value)) std::snprintf(number, sizeof number, format, value);
  return std::string(label) + number;
}
// A count, or "-" where there is none (negative).
std::string countFigure(const char* label, long value) {
  return std::string(label) + (value < 0 ? "-" : std::to_string(value));
}

void figureLines(const Comparison& c, const ComparisonRow& row, RgbImage& image, int x, int y) {
  const EntryFigures& f = row.measured.figures;
  const std::string lines[kFigureLines] = {
      figure("W2 rk4-100 ", f.w2Rk4) + figure("   1 Euler step ", f.w2Euler1),
      figure("straightness ", f.straightness) + figure("   NFE ", double(f.nfe), "%.0f"),
      figure("transport cost ", f.transportCost) + figure("   OT bound ", c.otLowerBound),
      figure("NLL ", f.nll) + countFigure("   crossing paths ", f.crossings),
      row.couplingCrossings < 0 ? std::string("no coupling")
                                : countFigure("crossing line pairs ", row.couplingCrossings) +
                                      " (of " + std::to_string(row.couplingEnds.cols()) + " lines)",
      figure("", double(row.trainingSteps), "%.0f") +
          figure(" steps, ", row.stepsPerSecond, "%.0f") +
          figure(" steps/s, ", row.wallSeconds, "%.1f") + " s"};
  for (int k = 0; k < kFigureLines; ++k)
    drawText(image, x, y + k * kLine, lines[k], k == 5 ? kDim : kText);
}

}  // namespace

Box comparisonBox(const Comparison& c) {
  double x0 = -3, y0 = -3, x1 = 3, y1 = 3;
  for (const Points* p : {&c.base, &c.target})
    for (Eigen::Index i = 0; i < p->cols(); ++i) {
      if (!std::isfinite((*p)(0, i)) || !std::isfinite((*p)(1, i))) continue;
      x0 = std::min(x0, double((*p)(0, i)));
      x1 = std::max(x1, double((*p)(0, i)));
      y0 = std::min(y0, double((*p)(1, i)));
      y1 = std::max(y1, double((*p)(1, i)));
    }
  const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
  const double half = 0.52 * std::max(x1 - x0, y1 - y0);
  return Box{cx - half, cy - half, cx + half, cy + half};
}

RgbImage comparisonPanels(const Comparison& c, int panelSize) {
  if (c.rows.empty()) throw std::invalid_argument("panels: an empty comparison");
  panelSize = std::max(panelSize, 64);
  const int columns = static_cast<int>(c.rows.size());
  const int width = kMargin + columns * (panelSize + kMargin);
  const int height = kMargin + kTitle + 2 * (panelSize + kMargin) + kFigureLines * kLine + kMargin;
  RgbImage image(width, height, kPage);
  const Box box = comparisonBox(c);
  CanvasPainter painter;
  for (int k = 0; k < columns; ++k) {
    const ComparisonRow& row = c.rows[std::size_t(k)];
    const int x = kMargin + k * (panelSize + kMargin);
    drawText(image, x, kMargin, row.name, kText, 2);
    const int top = kMargin + kTitle;
    blit(flowPanel(c, row, box, panelSize, painter), image, x, top);
    blit(couplingPanel(c, row, box, panelSize, painter), image, x, top + panelSize + kMargin);
    if (row.couplingEnds.cols() == 0)
      drawText(image, x + 8, top + panelSize + kMargin + 8, "no coupling: trained without pairs",
               kDim);
    figureLines(c, row, image, x, top + 2 * (panelSize + kMargin));
  }
  return image;
}

}  // namespace flowlab::core
