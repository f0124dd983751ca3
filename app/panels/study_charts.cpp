// The solver lab's charts in the right column: endpoint error at t = 1 against the number of
// steps N (log-log, each solver's fitted order in its legend) and W2 to the target against N for
// Euler and RK4 — what makes "a straight flow samples in one step" visible. They follow the model
// as it trains (recomputed every few seconds). Hand-drawn with the ImGui draw list, like the
// training curves.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "app/panels/panels.hpp"
#include "core/render/solver_lab_painter.hpp"

namespace flowlab::app::panels {
namespace {

struct PlotSeries {
  std::string name;
  ImU32 colour = 0;
  std::vector<double> x, y;  // x > 0 (log axis); y > 0 when logY
};

ImU32 solverColour(core::Solver s) {
  const int stage = s == core::Solver::Euler      ? 0
                    : s == core::Solver::Midpoint ? 1
                    : s == core::Solver::Heun     ? 2
                                                  : 3;
  const core::Colour c = core::stageColour(stage);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, 1.0f));
}

// A chart with a log10 x axis (and y, when logY) across the available width.
void logPlot(const char* title, const std::vector<PlotSeries>& series, bool logY, float height,
             double reference, const char* referenceLabel) {
  ImGui::Text("%s", title);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 plot0(p0.x + 38, p0.y + 4), plot1(p0.x + width - 6, p0.y + height - 16);
  ImDrawList* d = ImGui::GetWindowDrawList();
  const ImU32 frame = IM_COL32(90, 95, 110, 255), dim = IM_COL32(150, 155, 170, 255);
  d->AddRect(plot0, plot1, frame);
  auto fy = [&](double v) { return logY ? std::log10(v) : v; };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const PlotSeries& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!(s.x[i] > 0) || !std::isfinite(s.y[i]) || (logY && !(s.y[i] > 0))) continue;
      x0 = std::min(x0, std::log10(s.x[i]));
      x1 = std::max(x1, std::log10(s.x[i]));
      y0 = std::min(y0, fy(s.y[i]));
      y1 = std::max(y1, fy(s.y[i]));
    }
  if (std::isfinite(reference) && (!logY || reference > 0)) {
    y0 = std::min(y0, fy(reference));
    y1 = std::max(y1, fy(reference));
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
    return plot0.x + static_cast<float>((std::log10(x) - x0) / (x1 - x0)) * (plot1.x - plot0.x);
  };
  auto py = [&](double y) {
    return plot1.y - static_cast<float>((fy(y) - y0) / (y1 - y0)) * (plot1.y - plot0.y);
  };
  char label[32];
  for (double n : {1.0, 10.0, 100.0}) {
    if (std::log10(n) < x0 - 1e-9 || std::log10(n) > x1 + 1e-9) continue;
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
      if (!(s.x[i] > 0) || !std::isfinite(s.y[i]) || (logY && !(s.y[i] > 0))) continue;
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

}  // namespace

void solverStudySection(FrameContext& f) {
  const core::SolverStudy* study = f.view->labStudy.get();
  std::vector<PlotSeries> error, w2;
  if (study) {
    for (const core::SolverOrder& o : study->orders) {
      PlotSeries e, w;
      char name[48];
      std::snprintf(name, sizeof name, "%s  p = %.2f",
                    std::string(core::solverName(o.solver)).c_str(), o.order);
      e.name = name;
      w.name = std::string(core::solverName(o.solver));
      e.colour = w.colour = solverColour(o.solver);
      for (const core::SolverStudyRow& r : study->rows) {
        if (r.solver != o.solver) continue;
        e.x.push_back(r.steps);
        e.y.push_back(r.error.mean);
        w.x.push_back(r.steps);
        w.y.push_back(r.w2);
      }
      error.push_back(e);
      if (o.solver == core::Solver::Euler || o.solver == core::Solver::RK4) w2.push_back(w);
    }
  }
  logPlot("endpoint error at t = 1 against N", error, true, 150.0f, NAN, nullptr);
  if (ImGui::IsItemHovered() || ImGui::IsItemActive())
    ImGui::SetTooltip(
        "Mean distance at t = 1 to a fine solve (dopri5, 1e-7) from the same %d\n"
        "base points; p: the order fitted to error = C N^-p (1 Euler, 2 midpoint\n"
        "and Heun, 4 RK4 where the field is smooth).",
        core::ViewFrame::kLabStudyPoints);
  char reference[48] = "";
  if (study) std::snprintf(reference, sizeof reference, "dopri5 %.3f", study->referenceW2);
  logPlot("W2 to the target against N", w2, false, 130.0f, study ? study->referenceW2 : NAN,
          study ? reference : nullptr);
  if (study)
    ImGui::TextDisabled("n = %d, W2 floor %.3f", core::ViewFrame::kLabStudyPoints, study->w2Floor);
  if (study && ImGui::IsItemHovered())
    ImGui::SetTooltip("The floor: W2 between two target samples of the same n.");
}

}  // namespace flowlab::app::panels
