// The solver lab's controls: the step bar that replaces the timeline while the lab is on
// (reset, back, step, run, the step scrubber, solver and N), and the left column's section
// (the model the lab holds, the numbers of the step shown, the stage legend with the Butcher
// tableau, and the log-density ledger when normalising).
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "app/panels/panels.hpp"
#include "core/base/standard_normal.hpp"
#include "core/render/solver_lab_painter.hpp"

namespace flowlab::app::panels {
namespace {

constexpr core::Solver kSolvers[] = {core::Solver::Euler, core::Solver::Midpoint,
                                     core::Solver::Heun, core::Solver::RK4, core::Solver::Dopri5};

// What each stage of the method is, in words.
const char* stageLegend(core::Solver s) {
  switch (s) {
    case core::Solver::Euler:
      return "k1 = v(x_n, t_n); x_n+1 = x_n + h k1";
    case core::Solver::Midpoint:
      return "k1 at x_n; k2 at the midpoint x_n + h/2 k1; x_n+1 = x_n + h k2";
    case core::Solver::Heun:
      return "k1 at x_n (predictor slope); k2 at the Euler predictor x_n + h k1;\n"
             "x_n+1 = x_n + h (k1 + k2)/2 (corrector)";
    case core::Solver::RK4:
      return "k1..k4 at their stage points; x_n+1 = x_n + h (k1 + 2 k2 + 2 k3 + k4)/6";
    case core::Solver::Dopri5:
      return "k1..k7 (Dormand-Prince 5(4)); k7 is v at x_n+1, reused as the next k1;\n"
             "the 4th-order estimate sets the next step size";
  }
  return "";
}

// The Butcher tableau as text: c | a, then b.
std::string tableauText(core::Solver s) {
  const core::ButcherTableau& T = core::butcherTableau(s);
  std::string text;
  char cell[32];
  for (int i = 0; i < T.stages; ++i) {
    std::snprintf(cell, sizeof cell, "%7.4f |", T.c[i]);
    text += cell;
    for (int j = 0; j < i; ++j) {
      std::snprintf(cell, sizeof cell, " %8.4f", T.a[i][j]);
      text += cell;
    }
    text += "\n";
  }
  text += "--------+";
  for (int j = 0; j < T.stages; ++j) text += "---------";
  text += "\n        |";
  for (int j = 0; j < T.stages; ++j) {
    std::snprintf(cell, sizeof cell, " %8.4f", T.b[j]);
    text += cell;
  }
  return text;
}

void stageSwatches(core::Solver s) {
  const int stages = core::butcherTableau(s).stages;
  for (int i = 0; i < stages; ++i) {
    const core::Colour c = core::stageColour(i);
    ImGui::TextColored(ImVec4(c.r, c.g, c.b, 1.0f), "k%d", i + 1);
    ImGui::SameLine();
  }
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Butcher tableau of %s:\n%s", std::string(core::solverName(s)).c_str(),
                      tableauText(s).c_str());
}

// The ledger of one particle (the one clicked last, ringed in yellow): the change of variables
// as arithmetic the user can check against the exact value.
void ledgerLines(const core::SolverLabLayer& lab, int particle, int step) {
  const core::SolverRun& run = lab.run;
  if (run.ledger.empty() || particle >= lab.exactLogDensity.cols()) return;
  const core::LedgerReading r = core::readLedger(run, particle, std::clamp(step, 0, lab.steps()));
  const auto p = static_cast<Eigen::Index>(particle);
  ImGui::Separator();
  ImGui::TextColored(ImVec4(1.0f, 0.85f, 0.1f, 1.0f), "ledger of the ringed particle");
  ImGui::Text("x = (%.3f, %.3f) at t = 1", run.states[0](0, p), run.states[0](1, p));
  ImGui::Text("z = (%.3f, %.3f) at t = 0", run.states.back()(0, p), run.states.back()(1, p));
  ImGui::Text("int_t^1 div v dt so far   %8.4f", r.soFar);
  ImGui::TextDisabled("  (t = %.3f)", r.t);
  ImGui::Text("log N(z)                  %8.4f", r.logNormal);
  ImGui::Text("- int_0^1 div v dt        %8.4f", -r.total);
  ImGui::Text("= log p1(x)               %8.4f", r.logDensity);
  ImGui::Text("exact (dopri5, 1e-6)      %8.4f", lab.exactLogDensity(p));
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The model's log density at x from a fine adaptive solve, as the density layer\n"
        "computes it. The gap to the line above is this solver's error in the integral.");
}

}  // namespace

bool solverLabBar(FrameContext& f, UiState& ui) {
  SolverLab& lab = ui.lab;
  const core::SolverLabLayer* layer = f.view->lab.get();
  const int last = lab.lastStep(layer, ui.timeline.direction, ui.view);
  bool edited = false;
  if (ImGui::Button("|<")) lab.reset();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to the start points (Home)");
  ImGui::SameLine();
  if (ImGui::Button("<")) lab.back();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("One step back (Left): the kept state, exactly");
  ImGui::SameLine();
  if (ImGui::Button(">")) {
    lab.running = false;
    lab.forward(last);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("One solver step (Right)");
  ImGui::SameLine();
  if (ImGui::Button(lab.running ? "Stop" : "Run", ImVec2(44, 0))) lab.runOrStop(last);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Step on by itself (Space)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - 412.0f, 80.0f));
  int step = lab.step;
  char format[48];
  std::snprintf(format, sizeof format, "step %%d of %d", last);
  if (ImGui::SliderInt("##step", &step, 0, std::max(last, 0), format)) {
    lab.running = false;
    lab.step = step;
  }
  // Where the steps fall in t (Dopri5 chooses them): ticks along the scrubber's lower edge at
  // each step's time, the step shown in yellow and taller.
  if (lab.shows(layer, ui.timeline.direction, ui.view)) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImDrawList* d = ImGui::GetWindowDrawList();
    const int shown = std::clamp(lab.step, 0, layer->steps());
    for (int k = 0; k <= layer->steps(); ++k) {
      const double t = layer->run.times[static_cast<std::size_t>(k)];
      const double s = ui.timeline.direction == core::FlowDirection::Generate ? t : 1.0 - t;
      const float x = a.x + static_cast<float>(s) * (b.x - a.x);
      if (k == shown)
        d->AddLine(ImVec2(x, b.y - 9), ImVec2(x, b.y), IM_COL32(255, 215, 40, 255), 2.0f);
      else
        d->AddLine(ImVec2(x, b.y - 5), ImVec2(x, b.y), IM_COL32(230, 230, 240, 220));
    }
    if (ImGui::IsItemHovered() && !ImGui::IsItemActive())
      ImGui::SetTooltip("Ticks: the time of each step (the yellow one is shown, t = %.4f)",
                        layer->run.times[static_cast<std::size_t>(shown)]);
  }
  ImGui::SameLine();
  int solver = static_cast<int>(std::find(std::begin(kSolvers), std::end(kSolvers), lab.solver) -
                                std::begin(kSolvers));
  const char* names[] = {"euler", "midpoint", "heun", "rk4", "dopri5"};
  ImGui::SetNextItemWidth(84);
  if (ImGui::Combo("##solver", &solver, names, 5)) {
    lab.choose(kSolvers[solver], lab.steps, lab.tolerance);
    edited = true;
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(100);
  if (core::isAdaptive(lab.solver)) {
    float tol = static_cast<float>(lab.tolerance);
    if (ImGui::SliderFloat("##tol", &tol, 1e-6f, 1e-1f, "tol %.0e", ImGuiSliderFlags_Logarithmic))
      lab.choose(lab.solver, lab.steps, tol);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Dopri5's rtol = atol");
  } else {
    int n = lab.steps;
    if (ImGui::SliderInt("##n", &n, 1, SolverLab::kMaxSteps, "N = %d",
                         ImGuiSliderFlags_Logarithmic))
      lab.choose(lab.solver, n, lab.tolerance);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Solver steps from t = 0 to 1");
  }
  ImGui::SameLine();
  if (directionCombo(ui.timeline, true)) {
    lab.reset();
    edited = true;
  }
  ImGui::SameLine();
  if (ImGui::Button("exit lab")) lab.toggle();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to the continuous animation (S)");
  return edited;
}

bool solverLabSection(FrameContext& f, UiState& ui) {
  SolverLab& lab = ui.lab;
  bool edited = false;
  if (!f.view->continuous) {
    ImGui::TextWrapped(
        "RealNVP has no ODE: it maps base to target in one pass of its couplings, so there are "
        "no solver steps to show.");
    return false;
  }
  bool on = lab.on;
  if (ImGui::Checkbox("step the ODE solver (S)", &on)) {
    lab.toggle();
    if (lab.on) ui.compare = false;  // one mode of the canvas at a time
    edited = true;
  }
  if (!lab.on) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Particles move by solver steps; see each step's stages and its error.");
    ImGui::PopStyleColor();
    return edited;
  }
  const core::SolverLabLayer* layer = f.view->lab.get();
  const bool current = lab.shows(layer, ui.timeline.direction, ui.view);
  pushControlWidth("highlighted");
  edited |= ImGui::SliderInt("highlighted", &lab.highlighted, 0, SolverLab::kMaxHighlighted);
  ImGui::PopItemWidth();
  if (lab.seeds.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("Click the canvas to place a particle there.");
    ImGui::PopStyleColor();
  } else {
    ImGui::Text("%zu placed by clicking", lab.seeds.size() / 2);
    ImGui::SameLine();
    if (ImGui::SmallButton("clear")) lab.clearSeeds();
  }
  if (!layer) {
    ImGui::TextDisabled("computing the solve...");
    return edited;
  }
  // Rectified flow keeps every reflow round: any of them can be stepped through.
  const int modelStages =
      f.snapshot && f.snapshot->model ? static_cast<int>(f.snapshot->model->stages.size()) : 1;
  if (modelStages > 1) {
    std::string items = "being trained";
    items.push_back('\0');
    for (int k = 1; k <= modelStages; ++k) {
      items += "stage " + std::to_string(k);
      items.push_back('\0');
    }
    int choice = lab.stage + 1;
    pushControlWidth("highlighted");
    if (ImGui::Combo("stage", &choice, items.c_str())) {
      lab.stage = choice - 1;
      lab.reset();
      edited = true;
    }
    ImGui::PopItemWidth();
  }
  if (!layer->run.ledger.empty()) {
    bool byLedger = ui.view.colouring == core::ParticleColouring::ByLogDensity;
    if (ImGui::Checkbox("colour by the ledger", &byLedger)) {
      ui.view.colouring =
          byLedger ? core::ParticleColouring::ByLogDensity : core::ParticleColouring::ByStart;
      edited = true;
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Red: int_t^1 div v dt > 0 so far (the flow spreads these paths);\n"
          "blue: < 0 (it gathers them).");
  }
  const long newest = f.snapshot ? f.snapshot->totalSteps : 0;
  ImGui::Text("model of training step %ld", layer->totalSteps);
  if (newest != layer->totalSteps) {
    ImGui::SameLine();
    if (ImGui::SmallButton("take newest")) lab.takeNewestModel();
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Training is at step %ld; the lab keeps its model until you ask.", newest);
  }
  if (!current) ImGui::TextDisabled("computing the new solve...");
  const int k = std::clamp(lab.step, 0, layer->steps());
  const core::SolverConfig& cfg = layer->run.config;
  const int stages = core::stagesPerStep(cfg.solver);
  ImGui::Text("step %d of %d, t = %.4f", k, layer->steps(),
              layer->run.times[static_cast<std::size_t>(k)]);
  if (core::isAdaptive(cfg.solver))
    ImGui::Text("NFE %ld in all; %d accepted, %d rejected", layer->run.stats.nfe,
                layer->run.stats.acceptedSteps, layer->run.stats.rejectedSteps);
  else
    ImGui::Text("NFE so far %d (%d per step)", k * stages, stages);
  const core::PointErrors& e = layer->errors[static_cast<std::size_t>(k)];
  ImGui::Text("error to the reference (white):");
  ImGui::Text("  mean %.2e, max %.2e", e.mean, e.max);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Distance from each particle to where a fine solve (dopri5, rtol = atol = 1e-7) puts\n"
        "it at the same t, over all %d particles. White lines on the canvas: the highlighted.",
        static_cast<int>(layer->run.states[0].cols()));
  ImGui::TextWrapped("%s", stageLegend(cfg.solver));
  stageSwatches(cfg.solver);
  ImGui::TextDisabled("arrows: h k_i from each stage point");
  ledgerLines(*layer, lab.ledgerParticle(), k);
  return edited;
}

}  // namespace flowlab::app::panels
