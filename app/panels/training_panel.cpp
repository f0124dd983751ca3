// Training controls: run/pause/step/reset, the method and its hyper-parameters. Live changes
// are submitted at once; changes that need a fresh model are marked and wait for a confirmed
// "Apply and reset".
#include <imgui.h>

#include <cstdio>

#include "app/app_options.hpp"
#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

namespace {

const ImVec4 kResetColor(1.0f, 0.65f, 0.25f, 1.0f);

// Marks a control whose pending value would need a new model.
template <typename Mutate>
void resetMarker(const UiState& ui, Mutate mutate) {
  core::TrainerConfig probe = ui.running;
  mutate(probe);
  if (!(probe == ui.running) && core::needsReset(ui.running, probe)) {
    ImGui::SameLine();
    ImGui::TextColored(kResetColor, "new model");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("This change needs a fresh model: press \"Apply and reset\" below.");
  }
}

bool comboMethod(core::Method& method) {
  bool changed = false;
  const core::Method all[] = {core::Method::FlowMatching,  core::Method::OtCfm,
                              core::Method::RectifiedFlow, core::Method::Cnf,
                              core::Method::ReverseKl,     core::Method::RealNvp};
  const char* labels[] = {"fm: flow matching",
                          "otcfm: OT-coupled flow matching",
                          "rf: rectified flow (+reflow)",
                          "cnf: continuous NF (max likelihood)",
                          "rkl: reverse-KL sampler",
                          "realnvp: affine couplings"};
  int current = 0;
  for (int i = 0; i < 6; ++i)
    if (all[i] == method) current = i;
  if (ImGui::BeginCombo("method", labels[current])) {
    for (int i = 0; i < 6; ++i)
      if (ImGui::Selectable(labels[i], i == current)) {
        method = all[i];
        changed = true;
      }
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace

bool trainingSection(FrameContext& f, UiState& ui) {
  bool edited = false;
  core::Trainer& trainer = f.trainer;
  const bool paused = trainer.paused();
  if (ImGui::Button(paused ? "Resume training" : "Pause training", ImVec2(130, 0))) {
    trainer.setPaused(!paused);
    edited = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("Reset model...", ImVec2(130, 0)) || ui.confirmReset)
    ImGui::OpenPopup("Reset the model?");
  if (ImGui::Button("Step", ImVec2(60, 0))) {
    trainer.setPaused(true);
    trainer.stepOnce(1);
  }
  ImGui::SameLine();
  char stepLabel[32];
  std::snprintf(stepLabel, sizeof stepLabel, "Step %ld", ui.stepCount);
  if (ImGui::Button(stepLabel, ImVec2(100, 0))) {
    trainer.setPaused(true);
    trainer.stepOnce(ui.stepCount);
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(60);
  ImGui::InputScalar("##stepn", ImGuiDataType_S64, &ui.stepCount);
  if (ui.stepCount < 1) ui.stepCount = 1;
  ui.confirmReset = false;
  if (ImGui::BeginPopupModal("Reset the model?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("Start again from fresh weights (same seed, same settings)?");
    if (ImGui::Button("Reset", ImVec2(100, 0))) {
      trainer.reset();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel", ImVec2(100, 0))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }

  ImGui::Separator();
  core::TrainerConfig& c = ui.editing;
  ImGui::PushItemWidth(150);
  core::Method method = c.method;
  if (comboMethod(method)) {
    // Each method starts from its recommended settings (network, learning rate, solver).
    const std::uint64_t seed = c.seed;
    c = liveConfig(method);
    c.seed = seed;
    edited = true;
  }
  resetMarker(ui, [&](core::TrainerConfig& p) { p = c; });
  float lr = static_cast<float>(c.adam.learningRate);
  if (ImGui::SliderFloat("learning rate", &lr, 1e-5f, 1e-1f, "%.1e",
                         ImGuiSliderFlags_Logarithmic)) {
    c.adam.learningRate = lr;
    edited = true;
  }
  resetMarker(ui, [&](core::TrainerConfig& p) { p.adam.learningRate = c.adam.learningRate; });
  if (ImGui::SliderInt("batch", &c.batch, 16, 4096, "%d", ImGuiSliderFlags_Logarithmic))
    edited = true;
  resetMarker(ui, [&](core::TrainerConfig& p) { p.batch = c.batch; });
  if (ImGui::SliderInt("width", &c.mlp.hidden, 8, 256)) edited = true;
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.hidden = c.mlp.hidden; });
  if (ImGui::SliderInt("depth", &c.mlp.layers, 1, 8)) edited = true;
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.layers = c.mlp.layers; });
  const char* activations[] = {"tanh", "silu", "selu", "softplus"};
  int act = static_cast<int>(c.mlp.activation);
  if (ImGui::Combo("activation", &act, activations, 4)) {
    c.mlp.activation = static_cast<core::Activation>(act);
    edited = true;
  }
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.activation = c.mlp.activation; });
  if (c.method == core::Method::Cnf || c.method == core::Method::ReverseKl) {
    const char* solvers[] = {"euler", "midpoint", "heun", "rk4", "dopri5"};
    int solver = static_cast<int>(c.cnf.solver.solver);
    if (ImGui::Combo("solver", &solver, solvers, 5)) {
      c.cnf.solver.solver = static_cast<core::Solver>(solver);
      edited = true;
    }
    resetMarker(ui, [&](core::TrainerConfig& p) { p.cnf.solver.solver = c.cnf.solver.solver; });
    if (!core::isAdaptive(c.cnf.solver.solver)) {
      if (ImGui::SliderInt("solver steps", &c.cnf.solver.steps, 1, 64)) edited = true;
      resetMarker(ui, [&](core::TrainerConfig& p) { p.cnf.solver.steps = c.cnf.solver.steps; });
    }
  }
  if (c.method == core::Method::RectifiedFlow) {
    if (ImGui::SliderInt("reflow rounds", &c.reflow, 0, 4)) edited = true;
    resetMarker(ui, [&](core::TrainerConfig& p) { p.reflow = c.reflow; });
    if (c.reflow > 0) {
      long steps = c.steps;
      ImGui::SetNextItemWidth(150);
      if (ImGui::InputScalar("steps / round", ImGuiDataType_S64, &steps) && steps >= 100) {
        c.steps = steps;
        edited = true;
      }
      resetMarker(ui, [&](core::TrainerConfig& p) { p.steps = c.steps; });
    }
  }
  if (ImGui::InputScalar("seed", ImGuiDataType_U64, &c.seed)) edited = true;
  resetMarker(ui, [&](core::TrainerConfig& p) { p.seed = c.seed; });
  ImGui::PopItemWidth();

  // Apply: live changes at once; the rest on a confirmed reset.
  const std::string problem = core::validate(c);
  if (!problem.empty()) {
    ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", problem.c_str());
  } else if (!(c == ui.running)) {
    if (!core::needsReset(ui.running, c)) {
      trainer.submit(c);
      ui.running = c;
    } else {
      ImGui::TextColored(kResetColor, "Some changes need a new model.");
      if (ImGui::Button("Apply and reset...")) ImGui::OpenPopup("Apply and reset?");
      ImGui::SameLine();
      if (ImGui::Button("Revert")) c = ui.running;
      if (ImGui::BeginPopupModal("Apply and reset?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextUnformatted("These settings need fresh weights: training starts over.");
        if (ImGui::Button("Apply and reset", ImVec2(140, 0))) {
          trainer.submit(c);
          ui.running = c;
          ImGui::CloseCurrentPopup();
        }
        ImGui::SameLine();
        if (ImGui::Button("Cancel", ImVec2(100, 0))) ImGui::CloseCurrentPopup();
        ImGui::EndPopup();
      }
    }
  }
  return edited;
}

}  // namespace flowlab::app::panels
