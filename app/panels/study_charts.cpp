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
#include "app/panels/xy_plot.hpp"
#include "core/render/solver_lab_painter.hpp"

namespace flowlab::app::panels {
namespace {

ImU32 solverColour(core::Solver s) {
  const int stage = s == core::Solver::Euler      ? 0
                    : s == core::Solver::Midpoint ? 1
                    : s == core::Solver::Heun     ? 2
                                                  : 3;
  const core::Colour c = core::stageColour(stage);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, 1.0f));
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
  xyPlot("endpoint error at t = 1 against N", error, true, true, 150.0f, NAN, nullptr);
  if (ImGui::IsItemHovered() || ImGui::IsItemActive())
    ImGui::SetTooltip(
        "Mean distance at t = 1 to a fine solve (dopri5, 1e-7) from the same %d\n"
        "base points; p: the order fitted to error = C N^-p (1 Euler, 2 midpoint\n"
        "and Heun, 4 RK4 where the field is smooth).",
        core::ViewFrame::kLabStudyPoints);
  char reference[48] = "";
  if (study) std::snprintf(reference, sizeof reference, "dopri5 %.3f", study->referenceW2);
  xyPlot("W2 to the target against N", w2, true, false, 130.0f, study ? study->referenceW2 : NAN,
         study ? reference : nullptr);
  if (study)
    ImGui::TextDisabled("n = %d, W2 floor %.3f", core::ViewFrame::kLabStudyPoints, study->w2Floor);
  if (study && ImGui::IsItemHovered())
    ImGui::SetTooltip("The floor: W2 between two target samples of the same n.");
}

}  // namespace flowlab::app::panels
