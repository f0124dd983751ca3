// Training controls: run/pause/step/reset, the method and its hyper-parameters. A value takes
// effect when the user lets go of a slider, presses Enter or leaves a field — never while typing
// or dragging — and only when the whole config is valid (otherwise the control keeps its value
// and a line under the controls says which range it must be in). Live changes are then submitted
// at once; changes that need a fresh model are marked and wait for a confirmed "Apply and reset".
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "app/panels/panels.hpp"
#include "app/state/app_options.hpp"

namespace flowlab::app::panels {

namespace {

const ImVec4 kResetColour(1.0f, 0.65f, 0.25f, 1.0f);

void tooltip(const char* text) {
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", text);
}

// Marks a control whose pending value would need a new model.
template <typename Mutate>
void resetMarker(const UiState& ui, Mutate mutate) {
  core::TrainerConfig probe = ui.running;
  mutate(probe);
  if (!(probe == ui.running) && core::needsReset(ui.running, probe)) {
    ImGui::SameLine();
    ImGui::TextColored(kResetColour, "new model");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("This change needs a fresh model: press \"Apply and reset\" below.");
  }
}

// Runs widget(label, draft) on a draft of `value` that lives while the control is active (typing,
// dragging) and commits it to `value` when the control is let go of after an edit. Returns true
// then. UI thread only (the drafts are per control id).
template <typename T, typename Widget>
bool deferred(const char* label, T& value, Widget widget) {
  static std::unordered_map<ImGuiID, T> drafts;
  const ImGuiID key = ImGui::GetID(label);
  auto it = drafts.find(key);
  T draft = it != drafts.end() ? it->second : value;
  widget(label, draft);
  if (ImGui::IsItemActive()) {
    drafts[key] = draft;
    return false;
  }
  drafts.erase(key);
  if (!ImGui::IsItemDeactivatedAfterEdit() || draft == value) return false;
  value = draft;
  return true;
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
  Commands& commands = f.commands;
  const bool paused = f.trainingPaused;
  // Two buttons sharing the column's width, whatever it is.
  const float half = 0.5f * (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x);
  if (ImGui::Button(paused ? "Resume training" : "Pause training", ImVec2(half, 0))) {
    commands.pause = !paused;
    edited = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("Reset model...", ImVec2(half, 0)) || ui.confirmReset)
    ImGui::OpenPopup("Reset the model?");
  if (ImGui::Button("Step", ImVec2(60, 0))) {
    commands.steps = 1;
  }
  ImGui::SameLine();
  char stepLabel[32];
  std::snprintf(stepLabel, sizeof stepLabel, "Step %ld", ui.stepCount);
  if (ImGui::Button(stepLabel, ImVec2(100, 0))) {
    commands.steps = ui.stepCount;
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(50.0f, ImGui::GetContentRegionAvail().x));
  ImGui::InputScalar("##stepn", ImGuiDataType_S64, &ui.stepCount);
  if (ui.stepCount < 1) ui.stepCount = 1;
  ui.confirmReset = false;
  if (ImGui::BeginPopupModal("Reset the model?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("Start again from fresh weights (same seed, same settings)?");
    if (ImGui::Button("Reset", ImVec2(100, 0))) {
      commands.reset = true;
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel", ImVec2(100, 0))) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }

  ImGui::Separator();
  core::TrainerConfig& c = ui.editing;
  // A committed value goes into a candidate; the candidate replaces the edited config only when
  // it is valid, else the control shows the old value again and the message says why.
  auto commit = [&](auto mutate) {
    core::TrainerConfig candidate = c;
    mutate(candidate);
    const std::string problem = core::validate(candidate, core::Wording::App);
    if (problem.empty()) {
      c = candidate;
      ui.editMessage.clear();
      edited = true;
    } else {
      ui.editMessage = problem;
    }
  };
  pushControlWidth("learning rate");
  core::Method method = c.method;
  if (comboMethod(method)) {
    // Each method starts from its recommended settings (network, learning rate, solver).
    const std::uint64_t seed = c.seed;
    c = liveConfig(method);
    c.seed = seed;
    ui.editMessage.clear();
    edited = true;
  }
  resetMarker(ui, [&](core::TrainerConfig& p) { p = c; });
  double lr = c.adam.learningRate;
  if (deferred("learning rate", lr, [](const char* label, double& v) {
        float value = static_cast<float>(v);
        if (ImGui::SliderFloat(label, &value, 1e-5f, 1e-1f, "%.1e", ImGuiSliderFlags_Logarithmic))
          v = value;
      }))
    commit([&](core::TrainerConfig& p) { p.adam.learningRate = lr; });
  tooltip("Adam's step size, in (0, 1]; applies live. Ctrl+click to type a value.");
  resetMarker(ui, [&](core::TrainerConfig& p) { p.adam.learningRate = c.adam.learningRate; });
  int batch = c.batch;
  if (deferred("batch", batch, [](const char* label, int& v) {
        ImGui::SliderInt(label, &v, 16, 4096, "%d", ImGuiSliderFlags_Logarithmic);
      }))
    commit([&](core::TrainerConfig& p) { p.batch = batch; });
  tooltip("Points per training step, in [1, 65536]; applies live.");
  resetMarker(ui, [&](core::TrainerConfig& p) { p.batch = c.batch; });
  int hidden = c.mlp.hidden;
  if (deferred("width", hidden, [](const char* l, int& v) { ImGui::SliderInt(l, &v, 8, 256); }))
    commit([&](core::TrainerConfig& p) { p.mlp.hidden = hidden; });
  tooltip("Units per hidden layer, in [1, 4096]; needs a new model.");
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.hidden = c.mlp.hidden; });
  int layers = c.mlp.layers;
  if (deferred("depth", layers, [](const char* l, int& v) { ImGui::SliderInt(l, &v, 1, 8); }))
    commit([&](core::TrainerConfig& p) { p.mlp.layers = layers; });
  tooltip("Hidden layers, in [1, 64]; needs a new model.");
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.layers = c.mlp.layers; });
  const char* activations[] = {"tanh", "silu", "selu", "softplus"};
  int act = static_cast<int>(c.mlp.activation);
  if (ImGui::Combo("activation", &act, activations, 4))
    commit([&](core::TrainerConfig& p) { p.mlp.activation = static_cast<core::Activation>(act); });
  resetMarker(ui, [&](core::TrainerConfig& p) { p.mlp.activation = c.mlp.activation; });
  if (c.method == core::Method::Cnf || c.method == core::Method::ReverseKl) {
    const char* solvers[] = {"euler", "midpoint", "heun", "rk4", "dopri5"};
    int solver = static_cast<int>(c.cnf.solver.solver);
    if (ImGui::Combo("solver", &solver, solvers, 5))
      commit(
          [&](core::TrainerConfig& p) { p.cnf.solver.solver = static_cast<core::Solver>(solver); });
    resetMarker(ui, [&](core::TrainerConfig& p) { p.cnf.solver.solver = c.cnf.solver.solver; });
    if (!core::isAdaptive(c.cnf.solver.solver)) {
      int steps = c.cnf.solver.steps;
      if (deferred("solver steps", steps,
                   [](const char* l, int& v) { ImGui::SliderInt(l, &v, 1, 64); }))
        commit([&](core::TrainerConfig& p) { p.cnf.solver.steps = steps; });
      resetMarker(ui, [&](core::TrainerConfig& p) { p.cnf.solver.steps = c.cnf.solver.steps; });
    }
  }
  if (c.method == core::Method::RectifiedFlow) {
    int reflow = c.reflow;
    if (deferred("reflow rounds", reflow,
                 [](const char* l, int& v) { ImGui::SliderInt(l, &v, 0, 4); }))
      commit([&](core::TrainerConfig& p) { p.reflow = reflow; });
    resetMarker(ui, [&](core::TrainerConfig& p) { p.reflow = c.reflow; });
    long steps = c.steps;
    if (deferred("steps / stage", steps,
                 [](const char* l, long& v) { ImGui::InputScalar(l, ImGuiDataType_S64, &v); }))
      commit([&](core::TrainerConfig& p) { p.steps = steps; });
    tooltip("Training steps of each stage, in [1, 1e12]; applies live.");
    resetMarker(ui, [&](core::TrainerConfig& p) { p.steps = c.steps; });
  }
  std::uint64_t seed = c.seed;
  if (deferred("seed", seed, [](const char* l, std::uint64_t& v) {
        ImGui::InputScalar(l, ImGuiDataType_U64, &v);
      }))
    commit([&](core::TrainerConfig& p) { p.seed = seed; });
  resetMarker(ui, [&](core::TrainerConfig& p) { p.seed = c.seed; });
  ImGui::PopItemWidth();
  if (!ui.editMessage.empty()) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(ImVec4(1, 0.45f, 0.45f, 1), "%s", ui.editMessage.c_str());
    ImGui::PopTextWrapPos();
  }

  // Apply: live changes at once; the rest on a confirmed reset.
  if (!(c == ui.running)) {
    if (!core::needsReset(ui.running, c)) {
      commands.config = c;
      ui.running = c;
    } else {
      ImGui::TextColored(kResetColour, "Some changes need a new model.");
      if (ImGui::Button("Apply and reset...")) ImGui::OpenPopup("Apply and reset?");
      ImGui::SameLine();
      if (ImGui::Button("Revert")) c = ui.running;
      if (ImGui::BeginPopupModal("Apply and reset?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
        ImGui::TextUnformatted("These settings need fresh weights: training starts over.");
        if (ImGui::Button("Apply and reset", ImVec2(140, 0))) {
          commands.config = c;
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
