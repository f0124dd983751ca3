// F1: what flowlab shows and every control. Every line wraps to the window, which is sized to
// fit the display, so nothing is clipped at any window size.
#include <imgui.h>

#include <algorithm>
#include <string>

#include "app/panels/panels.hpp"
#include "core/nn/kernel_set.hpp"

namespace flowlab::app::panels {

namespace {

void heading(const char* text) { ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "%s", text); }

// A bullet whose text wraps under itself.
void bullet(const char* text) {
  ImGui::Bullet();
  ImGui::TextWrapped("%s", text);
}

}  // namespace

void helpWindow(UiState& ui) {
  if (!ui.showHelp) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const ImVec2 size(std::min(580.0f, display.x - 40.0f), std::min(560.0f, display.y - 40.0f));
  ImGui::SetNextWindowSize(size, ImGuiCond_Appearing);
  ImGui::SetNextWindowPos(ImVec2(0.5f * display.x, 0.5f * display.y), ImGuiCond_Appearing,
                          ImVec2(0.5f, 0.5f));
  if (!ImGui::Begin("Help (F1)", &ui.showHelp)) {
    ImGui::End();
    return;
  }
  ImGui::TextWrapped(
      "flowlab trains a generative flow in the background and shows it live. At t = 0 the "
      "particles are samples of the base N(0, I); the learned velocity field v(x, t) carries them "
      "to the target at t = 1. Training never stops while you look, scrub or paint.");
  ImGui::Separator();
  heading("Canvas");
  bullet("Drag (or right/middle-drag): pan. Wheel: zoom. R or double-click: fit the view.");
  bullet("Hover: the inspector shows x, v(x, t), div v and the exact log p_t(x).");
  bullet(
      "B: brush on/off. With the brush, left-drag paints the target density, E toggles "
      "paint/erase, [ and ] change the radius. Training picks up every stroke between steps "
      "and never resets.");
  heading("Time");
  bullet("Space: play/pause the animation. Left/Right: scrub t. Home/End: stop at t = 0 / 1.");
  bullet(
      "S: solver lab - the particles move by solver steps: Right steps, Left goes back "
      "(exactly), Space runs, Home resets; choose the solver and N under the canvas.");
  bullet(
      "C: the model's stages side by side (rectified flow's reflow rounds): the same base "
      "points through every stage, at the same t and camera, with each stage's figures. "
      "With 'methods' in the left column: the methods you tick trained side by side from one "
      "seed, a panel each and a table of their figures under the panels.");
  bullet("D: direction (generate 0 -> 1 or normalise 1 -> 0). L: loop.");
  heading("Training");
  bullet("T: pause/resume training. N: one step (pauses). Ctrl+R: reset the model.");
  bullet(
      "The slider at the top of the right column goes back through training (log-spaced kept "
      "steps): every layer shows the model as it was then; 'live' returns.");
  bullet(
      "A value applies when you let go of a slider, press Enter or leave a field; a value "
      "out of range is refused with the range it must be in.");
  bullet(
      "Learning rate, batch and steps apply live; method, width, depth, activation, solver "
      "and seed need a new model: they are marked and wait for a confirmation.");
  heading("Layers (keys 1-8)");
  bullet(
      "1 particles, 2 trajectories, 3 velocity field, 4 density p_t (exact), 5 divergence, "
      "6 warped grid, 7 target samples, 8 target density.");
  bullet(
      "The velocity field shows arrows, streamlines or both (Layers > field style). Arrow "
      "lengths are relative to the flow's median speed at t; the legend shows that speed.");
  bullet(
      "Every layer on screen comes from the same model weights; a layer computed for another "
      "t than the one shown is marked stale in amber until it catches up.");
  heading("Sessions and export");
  bullet(
      "Ctrl+S: save the whole experiment (target, every stage's model, optimiser, charts, "
      "view) to a .flowlab file; Ctrl+Shift+S: save as; Ctrl+O: open a session, or a picture "
      "or points to train on. Or drop a file on the window. An opened session starts paused "
      "and training continues exactly where it stopped.");
  bullet(
      "The experiment is autosaved after a minute of changes and on exit; after a crash the "
      "next start offers to restore it.");
  bullet(
      "F12 or P: the canvas as painted, without text over it; Shift+F12: the whole window "
      "(PNG, in the working folder; the message says where). Session > Export: what is on "
      "screen as .npy or .csv.");
  bullet("F1: this help. Esc: close help. Ctrl+Q: quit.");
  ImGui::Separator();
  ImGui::TextWrapped(
      "The density heatmap is the model's exact log p_t, computed by integrating each grid cell "
      "back to t = 0 with the exact divergence. The same command-line engine runs headless: "
      "flowlab --help.");
  static const std::string cpu = core::cpuModelName();  // CPUID traps in a VM: ask once
  ImGui::TextDisabled("SIMD kernels: %s on %s.",
                      std::string(core::kernelSetName(core::activeKernelSet())).c_str(),
                      cpu.c_str());
  ImGui::TextDisabled("FLOWLAB_SIMD=generic|avx2|avx512 forces a kernel set.");
  ImGui::End();
}

}  // namespace flowlab::app::panels
