// Screen layout and the left control column.
#include <imgui.h>

#include <algorithm>

#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

Layout computeLayout(float windowWidth, float windowHeight, int tableRows) {
  Layout l;
  l.leftWidth = std::clamp(windowWidth * 0.25f, 250.0f, 330.0f);
  l.rightWidth = windowWidth >= 1000.0f ? std::clamp(windowWidth * 0.22f, 220.0f, 300.0f) : 0.0f;
  l.timelineHeight = 38.0f;
  l.statusHeight = 22.0f;
  l.canvasX = l.leftWidth;
  l.canvasY = 0.0f;
  l.canvasW = std::max(windowWidth - l.leftWidth - l.rightWidth, 1.0f);
  l.canvasH = std::max(windowHeight - l.timelineHeight - l.statusHeight, 1.0f);
  if (tableRows > 0) {
    // A header and a line per row, with the window's padding; never more than half the canvas.
    const float line = ImGui::GetTextLineHeightWithSpacing() + 2.0f;
    l.tableHeight = std::min(line * static_cast<float>(tableRows + 1) + 16.0f, l.canvasH * 0.5f);
    l.canvasH -= l.tableHeight;
  }
  return l;
}

namespace {
constexpr ImGuiWindowFlags kFixed =
    ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
    ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoBringToFrontOnFocus |
    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBackground;
}  // namespace

void pushControlWidth(const char* longestLabel) {
  const float label = ImGui::CalcTextSize(longestLabel).x + ImGui::GetStyle().ItemInnerSpacing.x;
  ImGui::PushItemWidth(std::max(60.0f, ImGui::GetContentRegionAvail().x - label));
}

bool controlPanel(const Layout& layout, FrameContext& f, UiState& ui) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(layout.leftWidth, layout.columnHeight()));
  ImGui::Begin("controls", nullptr, kFixed);
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "flowlab");
  ImGui::SameLine();
  // The tagline when it fits the column, else just the help key.
  const char* tagline = "watch 2-D flows learn  (F1: help)";
  if (ImGui::CalcTextSize(tagline).x > ImGui::GetContentRegionAvail().x) tagline = "(F1: help)";
  ImGui::TextDisabled("%s", tagline);
  bool edited = false;
  if (ImGui::CollapsingHeader("Session: open, save", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= sessionSection(f, ui);
  if (ImGui::CollapsingHeader("Training", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= trainingSection(f, ui);
  if (ImGui::CollapsingHeader("Solver lab", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= solverLabSection(f, ui);
  if (ImGui::CollapsingHeader("Side by side: stages, methods", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= compareSection(f, ui);
  if (ImGui::CollapsingHeader("Target: presets, brush, import", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= targetSection(f, ui);
  if (ImGui::CollapsingHeader("Layers", ImGuiTreeNodeFlags_DefaultOpen))
    edited |= layersSection(f, ui);
  // A narrow window has no right column: the curves and metrics live here instead.
  if (layout.rightWidth <= 0.0f && ImGui::CollapsingHeader("Training curves and metrics"))
    chartsSection(f, ui);
  ImGui::End();
  return edited;
}

}  // namespace flowlab::app::panels
