// A small chart of points joined by lines (see xy_plot.hpp).
#include "app/panels/xy_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace flowlab::app::panels {

void xyPlot(const char* title, const std::vector<PlotSeries>& series, bool logX, bool logY,
            float height, double reference, const char* referenceLabel) {
  ImGui::Text("%s", title);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 plot0(p0.x + 38, p0.y + 4), plot1(p0.x + width - 6, p0.y + height - 16);
  ImDrawList* d = ImGui::GetWindowDrawList();
  const ImU32 frame = IM_COL32(90, 95, 110, 255), dim = IM_COL32(150, 155, 170, 255);
  d->AddRect(plot0, plot1, frame);
  auto fx = [&](double v) { return logX ? std::log10(v) : v; };
  auto fy = [&](double v) { return logY ? std::log10(v) : v; };
  auto usable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!logX || x > 0) && (!logY || y > 0);
  };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const PlotSeries& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!usable(s.x[i], s.y[i])) continue;
      x0 = std::min(x0, fx(s.x[i]));
      x1 = std::max(x1, fx(s.x[i]));
      y0 = std::min(y0, fy(s.y[i]));
      y1 = std::max(y1, fy(s.y[i]));
    }
  if (std::isfinite(reference) && (!logY || reference > 0)) {
    y0 = std::min(y0, fy(reference));
    y1 = std::max(y1, fy(reference));
  }
  if (!logX && x1 == x0) {  // one point on a linear axis: centre it
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (!(x1 > x0) || !(y1 >= y0)) {
    d->AddText(ImVec2(plot0.x + 6, plot0.y + 6), dim, "computing...");
    ImGui::Dummy(ImVec2(width, height));
    return;
  }
  if (y1 - y0 < 1e-9) y1 = y0 + 1.0;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) {
    return plot0.x + static_cast<float>((fx(x) - x0) / (x1 - x0)) * (plot1.x - plot0.x);
  };
  auto py = [&](double y) {
    return plot1.y - static_cast<float>((fy(y) - y0) / (y1 - y0)) * (plot1.y - plot0.y);
  };
  char label[32];
  std::vector<double> ticks;
  if (logX)
    ticks = {1.0, 10.0, 100.0};
  else
    for (double n = std::ceil(x0); n <= x1 + 1e-9; n += 1.0) ticks.push_back(n);
  for (double n : ticks) {
    if (fx(n) < x0 - 1e-9 || fx(n) > x1 + 1e-9) continue;
    std::snprintf(label, sizeof label, "%g", n);
    const float w = ImGui::CalcTextSize(label).x;
    d->AddText(ImVec2(std::min(px(n) - 0.5f * w, plot1.x - w), plot1.y + 1), dim, label);
  }
  if (logY) {
    for (int e = static_cast<int>(std::ceil(y0)); e <= static_cast<int>(std::floor(y1)); ++e) {
      if ((static_cast<int>(std::floor(y1)) - e) % 2 != 0) continue;  // every other decade
      std::snprintf(label, sizeof label, "1e%d", e);
      d->AddText(ImVec2(p0.x, py(std::pow(10.0, e)) - 7), dim, label);
      d->AddLine(ImVec2(plot0.x, py(std::pow(10.0, e))), ImVec2(plot0.x + 4, py(std::pow(10.0, e))),
                 frame);
    }
  } else {
    for (double v : {y0 + pad, y1 - pad}) {
      std::snprintf(label, sizeof label, "%.3g", v);
      d->AddText(ImVec2(p0.x, py(v) - 7), dim, label);
    }
  }
  if (std::isfinite(reference) && referenceLabel) {
    const float y = py(reference);
    for (float x = plot0.x; x < plot1.x; x += 8)
      d->AddLine(ImVec2(x, y), ImVec2(std::min(x + 4, plot1.x), y), dim);
    d->AddText(ImVec2(plot1.x - ImGui::CalcTextSize(referenceLabel).x - 2, y - 14), dim,
               referenceLabel);
  }
  d->PushClipRect(plot0, plot1, true);
  for (const PlotSeries& s : series) {
    ImVec2 previous;
    bool have = false;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!usable(s.x[i], s.y[i])) continue;
      const ImVec2 p(px(s.x[i]), py(s.y[i]));
      if (have) d->AddLine(previous, p, s.colour, 1.8f);
      d->AddCircleFilled(p, 2.5f, s.colour);
      previous = p;
      have = true;
    }
  }
  d->PopClipRect();
  ImGui::Dummy(ImVec2(width, height));
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i % 2 == 1) ImGui::SameLine(width * 0.5f);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series[i].colour), "%s",
                       series[i].name.c_str());
  }
}

}  // namespace flowlab::app::panels
