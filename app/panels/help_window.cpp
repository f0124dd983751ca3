// F1: what flowlab shows and every control.
#include <imgui.h>

#include "app/panels/panels.hpp"
#include "core/kernel_set.hpp"

#include <string>

namespace flowlab::app::panels {

void helpWindow(UiState& ui) {
  if (!ui.showHelp) return;
  ImGui::SetNextWindowSize(ImVec2(560, 520), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowPos(ImVec2(380, 80), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("Help (F1)", &ui.showHelp)) {
    ImGui::End();
    return;
  }
  ImGui::TextWrapped(
      "flowlab trains a generative flow in the background and shows it live. At t = 0 the "
      "particles are samples of the base N(0, I); the learned velocity field v(x, t) carries them "
      "to the target at t = 1. Training never stops while you look, scrub or paint.");
  ImGui::Separator();
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Canvas");
  ImGui::BulletText(
      "Drag (or right/middle-drag): pan.  Wheel: zoom.  R or double-click: fit view.");
  ImGui::BulletText("Hover: the inspector shows x, v(x, t), div v and the exact log p_t(x).");
  ImGui::BulletText("B: brush on/off. With the brush, left-drag paints the target density,");
  ImGui::Text("     E toggles paint/erase, [ and ] change the radius. Training picks up");
  ImGui::Text("     every stroke between steps and never resets.");
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Time");
  ImGui::BulletText("Space: play/pause the animation.  Left/Right: scrub t.  Home/End: t = 0 / 1.");
  ImGui::BulletText("D: direction (generate 0->1 or normalise 1->0).  L: loop.");
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Training");
  ImGui::BulletText("T: pause/resume training.  N: one step (pauses).  Ctrl+R: reset the model.");
  ImGui::BulletText("Learning rate and batch apply live; method, width, depth, activation,");
  ImGui::Text(
      "     solver and seed need a new model: they are marked and wait for a confirmation.");
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Layers (keys 1-8)");
  ImGui::BulletText("1 particles  2 trajectories  3 velocity field  4 density p_t (exact)");
  ImGui::BulletText("5 divergence  6 warped grid  7 target samples  8 target density");
  ImGui::BulletText("The velocity field shows arrows, streamlines or both (Layers > field style).");
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Export");
  ImGui::BulletText("F12 or P: screenshot of the canvas; Shift+F12: the whole window (PNG).");
  ImGui::BulletText("F1: this help.  Esc: close help.  Ctrl+Q: quit.");
  ImGui::Separator();
  ImGui::TextWrapped(
      "The density heatmap is the model's exact log p_t, computed by integrating each grid cell "
      "back to t = 0 with the exact divergence; it refreshes as fast as the spare CPU allows and "
      "its legend says how old it is. The same command-line engine runs headless: flowlab --help.");
  static const std::string cpu = core::cpuModelName();  // CPUID traps in a VM: ask once
  ImGui::TextDisabled("SIMD kernels: %s on %s (FLOWLAB_SIMD=generic|avx2|avx512 forces a set).",
                      std::string(core::kernelSetName(core::activeKernelSet())).c_str(), cpu.c_str());
  ImGui::End();
}

}  // namespace flowlab::app::panels
