// A small hand-drawn line chart (ImGui draw list): raw and smoothed curves, optional reference
// line (e.g. a W2 floor or the target's entropy), y labels, hover readout. UI thread only.
#pragma once

#include <cmath>
#include <limits>

#include "app/state/chart_data.hpp"

namespace flowlab::app::panels {

struct ChartStyle {
  float height = 90.0f;
  bool showRaw = false;              // draw the raw curve under the smoothed one
  unsigned rawColour = 0x5533aaffu;  // ImU32 (ABGR)
  unsigned smoothColour = 0xff33ccffu;
  double reference = std::numeric_limits<double>::quiet_NaN();  // in data units (not log10)
  const char* referenceLabel = nullptr;
  double marker = std::numeric_limits<double>::quiet_NaN();  // a training step to mark (x)
  const char* format = "%.3g";
};

// Draws `data` under `title` across the available width.
void lineChart(const char* title, const ChartData& data, const ChartStyle& style);

}  // namespace flowlab::app::panels
