// Line charts drawn with ImDrawList polylines; log charts label values, not exponents.
#include "app/panels/line_chart.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace flowlab::app::panels {

namespace {

double toData(const ChartData& d, float y) { return d.logScale ? std::pow(10.0, y) : y; }

// A step count as a short axis label: 950, 12.3k, 1.2M.
void stepLabel(char* out, std::size_t size, double step) {
  if (step >= 1e6)
    std::snprintf(out, size, "%.1fM", step / 1e6);
  else if (step >= 1e4)
    std::snprintf(out, size, "%.0fk", step / 1e3);
  else if (step >= 1e3)
    std::snprintf(out, size, "%.1fk", step / 1e3);
  else
    std::snprintf(out, size, "%.0f", step);
}

}  // namespace

void lineChart(const char* title, const ChartData& data, const ChartStyle& style) {
  // Title line: the name, (log), and the newest value at the right.
  ImGui::TextUnformatted(title);
  if (data.logScale) {
    ImGui::SameLine();
    ImGui::TextDisabled("(log)");
  }
  char value[32];
  if (!data.empty()) {
    char now[48];
    std::snprintf(value, sizeof value, style.format, toData(data, data.smooth.y.back()));
    std::snprintf(now, sizeof now, "now %s", value);
    ImGui::SameLine(std::max(ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(now).x +
                                 ImGui::GetCursorPosX() - ImGui::GetStyle().ItemSpacing.x,
                             ImGui::GetCursorPosX()));
    ImGui::TextUnformatted(now);
  }
  // The plot, then a row for the step axis under it.
  constexpr float kAxis = 14.0f;
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 size(width, style.height);
  ImGui::InvisibleButton(title, ImVec2(size.x, size.y + kAxis));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 p1(p0.x + size.x, p0.y + size.y);
  draw->AddRectFilled(p0, p1, IM_COL32(18, 20, 26, 255), 3.0f);
  draw->AddRect(p0, p1, IM_COL32(60, 66, 80, 255), 3.0f);
  const ImU32 dim = IM_COL32(120, 125, 140, 255);
  if (data.empty()) {
    draw->AddText(ImVec2(p0.x + 6, p0.y + size.y * 0.5f - 7), dim, "no data yet");
    return;
  }
  const float padL = 4.0f, padR = 4.0f, padT = 14.0f, padB = 4.0f;
  auto sx = [&](float x) {
    return p0.x + padL + (x - data.xMin) / (data.xMax - data.xMin) * (size.x - padL - padR);
  };
  auto sy = [&](float y) {
    return p1.y - padB - (y - data.yMin) / (data.yMax - data.yMin) * (size.y - padT - padB);
  };
  draw->PushClipRect(p0, p1, true);
  if (std::isfinite(style.reference) && (!data.logScale || style.reference > 0.0)) {
    const float ry = data.logScale ? static_cast<float>(std::log10(style.reference))
                                   : static_cast<float>(style.reference);
    if (ry >= data.yMin && ry <= data.yMax) {
      const float y = sy(ry);
      for (float x = p0.x; x < p1.x; x += 8.0f)
        draw->AddLine(ImVec2(x, y), ImVec2(std::min(x + 4.0f, p1.x), y),
                      IM_COL32(230, 200, 90, 200));
      if (style.referenceLabel)
        draw->AddText(ImVec2(p1.x - 6.0f - ImGui::CalcTextSize(style.referenceLabel).x, y - 14.0f),
                      IM_COL32(230, 200, 90, 220), style.referenceLabel);
    }
  }
  std::vector<ImVec2> points;
  auto polyline = [&](const ChartSeries& s, ImU32 colour, float thickness) {
    points.clear();
    for (std::size_t i = 0; i < s.x.size(); ++i) points.emplace_back(sx(s.x[i]), sy(s.y[i]));
    if (points.size() == 1) points.emplace_back(points[0].x + 1.0f, points[0].y);
    draw->AddPolyline(points.data(), static_cast<int>(points.size()), colour, 0, thickness);
  };
  if (style.showRaw) polyline(data.raw, style.rawColour, 1.0f);
  polyline(data.smooth, style.smoothColour, 1.6f);
  if (std::isfinite(style.marker) && style.marker >= data.xMin && style.marker <= data.xMax) {
    const float x = sx(static_cast<float>(style.marker));
    draw->AddLine(ImVec2(x, p0.y), ImVec2(x, p1.y), IM_COL32(255, 215, 40, 230), 1.5f);
  }
  draw->PopClipRect();

  // The value axis: its top and bottom, inside the plot at the left.
  char hi[32], lo[32];
  std::snprintf(hi, sizeof hi, style.format, toData(data, data.yMax));
  std::snprintf(lo, sizeof lo, style.format, toData(data, data.yMin));
  draw->AddText(ImVec2(p0.x + 5, p0.y + 1), dim, hi);
  draw->AddText(ImVec2(p0.x + 5, p1.y - 15), dim, lo);
  // The step axis: first and last step under the plot, "training step" between them.
  char first[16], last[16];
  stepLabel(first, sizeof first, data.xMin);
  stepLabel(last, sizeof last, data.xMax);
  const float ay = p1.y + 1.0f;
  draw->AddText(ImVec2(p0.x + 2, ay), dim, first);
  draw->AddText(ImVec2(p1.x - 2 - ImGui::CalcTextSize(last).x, ay), dim, last);
  const char* axis = "training step";
  draw->AddText(ImVec2(0.5f * (p0.x + p1.x - ImGui::CalcTextSize(axis).x), ay),
                IM_COL32(95, 100, 115, 255), axis);

  if (ImGui::IsItemHovered()) {
    const float mx = ImGui::GetIO().MousePos.x;
    const ChartSeries& s = data.smooth;
    std::size_t best = 0;
    for (std::size_t i = 1; i < s.x.size(); ++i)
      if (std::abs(sx(s.x[i]) - mx) < std::abs(sx(s.x[best]) - mx)) best = i;
    draw->AddLine(ImVec2(sx(s.x[best]), p0.y), ImVec2(sx(s.x[best]), p1.y),
                  IM_COL32(255, 255, 255, 60));
    std::snprintf(value, sizeof value, style.format, toData(data, s.y[best]));
    ImGui::SetTooltip("step %.0f: %s", static_cast<double>(s.x[best]), value);
  }
}

}  // namespace flowlab::app::panels
