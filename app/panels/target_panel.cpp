// Target controls: presets (every built-in target), the brush and image import. Every edit
// reaches the trainer between steps without resetting the model.
#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

bool targetSection(FrameContext& f, UiState& ui) {
  bool edited = false;
  ImGui::Text("Training on: %s", f.targetLabel.c_str());
  if (f.snapshot) {
    ImGui::SameLine();
    ImGui::TextDisabled("(edit %llu)", static_cast<unsigned long long>(f.snapshot->targetVersion));
  }
  ImGui::TextDisabled("Presets");
  // Buttons as wide as their names, flowing onto as many lines as the column needs.
  const auto& all = core::builtinTargets();
  const ImGuiStyle& style = ImGui::GetStyle();
  const float right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const float w = ImGui::CalcTextSize(all[i].name.c_str()).x + 2 * style.FramePadding.x;
    if (i > 0 && ImGui::GetItemRectMax().x + style.ItemSpacing.x + w <= right) ImGui::SameLine();
    const bool current = f.targetLabel == all[i].name;
    if (current) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.25f, 0.45f, 0.7f, 1.0f));
    if (ImGui::Button(all[i].name.c_str(), ImVec2(w, 0))) {
      f.commands.preset = all[i].name;
      edited = true;
    }
    if (current) ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", all[i].description.c_str());
  }

  ImGui::Spacing();
  ImGui::Checkbox("Brush (B)", &ui.brushOn);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Left-drag on the canvas paints the target density (right-drag still pans).");
  ImGui::SameLine();
  int mode = ui.brush.mode == BrushMode::Paint ? 0 : 1;
  if (ImGui::RadioButton("paint", &mode, 0)) ui.brushOn = true;
  ImGui::SameLine();
  if (ImGui::RadioButton("erase (E)", &mode, 1)) ui.brushOn = true;
  ui.brush.mode = mode == 0 ? BrushMode::Paint : BrushMode::Erase;
  pushControlWidth("radius ([ ])");
  float radius = static_cast<float>(ui.brush.radius);
  if (ImGui::SliderFloat("radius ([ ])", &radius, 0.05f, 2.5f, "%.2f")) ui.brush.radius = radius;
  float strength = static_cast<float>(ui.brush.strength);
  if (ImGui::SliderFloat("strength", &strength, 0.02f, 1.0f, "%.2f")) ui.brush.strength = strength;
  float soft = static_cast<float>(ui.brush.softness);
  if (ImGui::SliderFloat("soft edge", &soft, 0.0f, 1.0f, "%.2f")) ui.brush.softness = soft;
  ImGui::PopItemWidth();
  if (ImGui::Button("Clear painting")) {
    f.commands.clearPainting = true;
    ui.brushOn = true;
    ui.toast = "Painting cleared: paint a new density (training keeps the old one until you do)";
    ui.toastUntil = f.now + 4.0;
  }

  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("Import a PNG/JPG (brightness = density), or points (.csv x,y / .npy)");
  ImGui::PopStyleColor();
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##import", "/path/to/image.png or points.csv", &ui.importPath);
  ImGui::Checkbox("invert (dark = dense)", &ui.importInvert);
  ImGui::SameLine();
  if (ImGui::Button("Load")) {
    f.commands.image = Commands::Import{ui.importPath, ui.importInvert};
    edited = true;
  }
  if (!ui.importMessage.empty()) ImGui::TextWrapped("%s", ui.importMessage.c_str());
  return edited;
}

}  // namespace flowlab::app::panels
