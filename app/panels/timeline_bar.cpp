// The timeline under the canvas: play/pause, t scrubber, speed, loop, direction.
#include <imgui.h>

#include <algorithm>

#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

bool directionCombo(Timeline& tl, bool compact) {
  int dir = tl.direction == core::FlowDirection::Generate ? 0 : 1;
  const char* dirs[] = {"generate 0->1", "normalise 1->0"};
  const char* short_dirs[] = {"gen 0->1", "norm 1->0"};
  ImGui::SetNextItemWidth(compact ? 96.0f : 120.0f);
  const bool edited = ImGui::Combo("##dir", &dir, compact ? short_dirs : dirs, 2);
  if (edited) {
    tl.setDirection(dir == 0 ? core::FlowDirection::Generate : core::FlowDirection::Normalize);
    tl.rewind();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Generate: base samples flow to the target.\nNormalise: target samples flow back to N(0, "
        "I) (D); in the solver lab, with the log-density ledger.");
  return edited;
}

bool timelineBar(const Layout& layout, FrameContext& f, UiState& ui) {
  constexpr ImGuiWindowFlags flags =
      ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
      ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar |
      ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
      ImGuiWindowFlags_NoBackground;
  ImGui::SetNextWindowPos(ImVec2(layout.canvasX, layout.timelineY()));
  ImGui::SetNextWindowSize(ImVec2(layout.canvasW, layout.timelineHeight));
  ImGui::Begin("timeline", nullptr, flags);
  bool edited = false;
  Timeline& tl = ui.timeline;
  const bool continuous = f.view->continuous;
  if (ui.lab.on && continuous) {
    edited = solverLabBar(f, ui);
    ImGui::End();
    return edited;
  }
  if (!continuous) ImGui::BeginDisabled();
  if (ImGui::Button(tl.playing ? "Pause" : "Play", ImVec2(52, 0))) {
    tl.playing = !tl.playing;
    if (tl.playing && tl.t == tl.endTime() && !tl.loop) tl.rewind();
    edited = true;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Play/pause the animation (Space). Training is separate (T).");
  ImGui::SameLine();
  if (ImGui::Button("|<")) {
    tl.rewind();
    edited = true;
  }
  ImGui::SameLine();
  const float rest = 430.0f;
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - rest, 80.0f));
  float t = static_cast<float>(tl.t);
  if (ImGui::SliderFloat("##t", &t, 0.0f, 1.0f, "t = %.3f")) {
    tl.scrub(t);
    edited = true;
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  float speed = static_cast<float>(tl.speed);
  if (ImGui::SliderFloat("speed", &speed, 0.05f, 2.0f, "%.2f/s", ImGuiSliderFlags_Logarithmic)) {
    tl.speed = speed;
    edited = true;
  }
  ImGui::SameLine();
  edited |= ImGui::Checkbox("loop", &tl.loop);
  ImGui::SameLine();
  edited |= directionCombo(tl, false);
  if (!continuous) ImGui::EndDisabled();
  ImGui::End();
  return edited;
}

}  // namespace flowlab::app::panels
