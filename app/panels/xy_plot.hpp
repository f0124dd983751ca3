// A small chart of series of points joined by lines (ImGui draw list): a log10 or linear x axis
// (and y), an optional dashed reference line with its label, the series' names under it. Used by
// the solver lab's charts (against N) and the stages' charts (against the round). UI thread only.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace flowlab::app::panels {

struct PlotSeries {
  std::string name;
  ImU32 colour = 0;
  std::vector<double> x, y;  // x > 0 on a log axis; y > 0 when logY
};

// Across the available width, `height` pixels tall; reference: NaN for none.
void xyPlot(const char* title, const std::vector<PlotSeries>& series, bool logX, bool logY,
            float height, double reference, const char* referenceLabel);

}  // namespace flowlab::app::panels
