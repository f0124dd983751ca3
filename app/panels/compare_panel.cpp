// The stages side by side: the left column's section (switch, what is compared, the OT bound)
// and the labels over each panel of the canvas (the stage, its training progress, its figures).
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "app/panels/panels.hpp"
#include "app/panels/shadow_text.hpp"
#include "app/panels/xy_plot.hpp"
#include "core/render/canvas_painter.hpp"

namespace flowlab::app::panels {
namespace {

// "-" where a figure does not exist (NaN, negative count).
std::string number(double v, const char* format = "%.3g") {
  if (!std::isfinite(v) || v < 0) return "-";
  char s[32];
  std::snprintf(s, sizeof s, format, v);
  return s;
}

// The panel's title and figures, a line each, upwards from `bottom` (its lower-left corner).
void panelLabels(ImDrawList* d, const core::ComparePanel& p, ImVec2 bottom) {
  const core::EntryFigures& f = p.figures;
  char title[96];
  if (p.training)
    std::snprintf(title, sizeof title, "%s  training %ld/%ld", p.name.c_str(), p.trainingSteps,
                  p.stageSteps);
  else
    std::snprintf(title, sizeof title, "%s  (%ld steps)", p.name.c_str(), p.trainingSteps);
  const std::string lines[] = {
      "W2 " + number(f.w2Rk4) + "  in 1 Euler step " + number(f.w2Euler1),
      "straightness " + number(f.straightness) + "  NFE " + number(double(f.nfe), "%.0f"),
      "cost " + number(f.transportCost, "%.4f") + "  its OT " + number(f.endpointOtCost, "%.4f"),
      "crossing paths " + number(double(f.crossings), "%.0f") + ", pairs " +
          number(double(p.couplingCrossings), "%.0f"),
      "NLL " + number(f.nll, "%.3f") + "  " + number(p.stepsPerSecond, "%.0f") + " steps/s  " +
          number(p.wallSeconds, "%.1f") + " s"};
  const float line = ImGui::GetTextLineHeight() + 1.0f;
  ImVec2 at(bottom.x, bottom.y - line * static_cast<float>(std::size(lines) + 1));
  shadowText(d, at, p.training ? IM_COL32(255, 205, 90, 255) : IM_COL32(140, 200, 255, 255), title);
  for (const std::string& s : lines) {
    at.y += line;
    shadowText(d, at, IM_COL32(225, 228, 235, 255), s.c_str());
  }
}

// What the stages mode offers: the hint, or the two toggles of what each panel draws.
void stagesControls(FrameContext& f, UiState& ui) {
  const int stages =
      f.snapshot && f.snapshot->model ? static_cast<int>(f.snapshot->model->stages.size()) : 0;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  if (!f.view->continuous)
    ImGui::TextWrapped("RealNVP: one stage, nothing to set beside it.");
  else if (stages < 2)
    ImGui::TextWrapped(
        "Rectified flow with reflow rounds (method rf) trains stages to set side by side: the "
        "same base points through 1-RF, 2-RF, ...");
  else if (!ui.compare)
    ImGui::TextWrapped("%d stages: see them carry the same base points, with their figures.",
                       stages);
  ImGui::PopStyleColor();
}

// The methods mode: which methods, their steps, start / pause / stop, and how each is doing.
void methodsControls(FrameContext& f, UiState& ui) {
  static constexpr core::Method kAll[] = {core::Method::FlowMatching,  core::Method::OtCfm,
                                          core::Method::RectifiedFlow, core::Method::Cnf,
                                          core::Method::ReverseKl,     core::Method::RealNvp};
  for (int i = 0; i < 6; ++i) {
    const core::Method m = kAll[i];
    auto& chosen = ui.raceMethods;
    const auto it = std::find(chosen.begin(), chosen.end(), m);
    bool ticked = it != chosen.end();
    if (i % 3 != 0) ImGui::SameLine();
    if (ImGui::Checkbox(std::string(core::methodName(m)).c_str(), &ticked)) {
      if (ticked)
        chosen.push_back(m);
      else
        chosen.erase(it);
      // In the order of the list, so the panels keep their places.
      std::sort(chosen.begin(), chosen.end(), [](core::Method a, core::Method b) {
        return std::find(std::begin(kAll), std::end(kAll), a) <
               std::find(std::begin(kAll), std::end(kAll), b);
      });
    }
  }
  pushControlWidth("steps (0: own)");
  ImGui::InputScalar("steps (0: own)", ImGuiDataType_S64, &ui.raceSteps);
  ImGui::PopItemWidth();
  ui.raceSteps = std::clamp(ui.raceSteps, 0L, 100000000L);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Steps per stage of every method; 0: each method's own (fm 20000, cnf 3000,\n"
        "realnvp 5000, ...). rf trains 1-RF and one reflow round.");
  const bool racing = !f.race.empty();
  const Commands::Race wanted{ui.raceMethods, ui.raceSteps};
  ImGui::BeginDisabled(ui.raceMethods.empty());
  if (ImGui::Button(racing ? "Restart" : "Train side by side")) f.commands.race = wanted;
  ImGui::EndDisabled();
  if (racing) {
    ImGui::SameLine();
    if (ImGui::Button(f.racePaused ? "Resume" : "Pause")) f.commands.pauseRace = !f.racePaused;
    ImGui::SameLine();
    if (ImGui::Button("Stop")) f.commands.race = Commands::Race{};
  }
  for (const auto& s : f.race) {
    if (!s->model) continue;
    const std::string name(core::methodName(s->model->config.method));
    if (s->status == core::TrainerStatus::Finished)
      ImGui::TextDisabled("%-7s done: %ld steps", name.c_str(), s->totalSteps);
    else
      ImGui::Text("%-7s %s %ld/%ld  %.0f/s", name.c_str(), core::statusName(s->status), s->step,
                  s->model->config.steps, s->stepsPerSecond);
  }
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped(racing ? "Your model's own training waits until they stop."
                            : "Each trains from your model's seed on this target, sharing the "
                              "cores evenly; your model's own training waits meanwhile.");
  ImGui::PopStyleColor();
}

}  // namespace

bool compareSection(FrameContext& f, UiState& ui) {
  bool edited = false;
  bool on = ui.compare;
  if (ImGui::Checkbox("side by side (C)", &on)) {
    toggleCompare(ui);
    edited = true;
  }
  int mode = ui.compareMethods ? 1 : 0;
  ImGui::SameLine();
  edited |= ImGui::RadioButton("stages", &mode, 0);
  ImGui::SameLine();
  edited |= ImGui::RadioButton("methods", &mode, 1);
  if ((mode == 1) != ui.compareMethods) {
    ui.compareMethods = mode == 1;
    if (!ui.compare) toggleCompare(ui);
  }
  if (ui.compareMethods)
    methodsControls(f, ui);
  else
    stagesControls(f, ui);
  const core::CompareLayer* layer = f.view->compare.get();
  if (ui.compare) {
    ImGui::Checkbox("the pairs each stage trained on", &ui.compareCouplings);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Lines x0 -> x1 of %d training pairs from the same base points: independent pairs\n"
          "for 1-RF and fm, minibatch-OT pairs for otcfm, the pairs (x0, ODE(x0)) of the round\n"
          "before after a reflow. Lines that cross another are red: reflow untangles them.",
          core::EntryMeasurement::kCrossingPaths);
    ImGui::Checkbox("paths that cross, in red", &ui.compareCrossings);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Among the first %d paths of each panel, those whose path (in the plane, at any\n"
          "times) crosses another's: curved flows cross; straight ones far less.",
          core::EntryMeasurement::kCrossingPaths);
  }
  if (ui.showsPanels(f.view->continuous) && layer) {
    ImGui::Text("figures on %ld base points", layer->n);
    ImGui::Text("OT bound %.4f +- %.4f (?)", layer->otLowerBound, layer->otBoundError);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "A lower bound on W2^2 between N(0, I) and the target: no flow's transport cost\n"
          "E|x1 - x0|^2 can be under it. Kantorovich dual potentials from the exact assignment\n"
          "of %ld pairs, evaluated on %ld fresh points (+- its standard error): biased down,\n"
          "never up, unlike W2^2 of two samples. Reflow lowers the cost toward W2^2.\n"
          "Under each panel, 'its OT' is exact: W2^2 between the base points and that stage's\n"
          "own endpoints, which no coupling of them undercuts; cost minus it is how far the\n"
          "stage's coupling is from optimal. Reflow shrinks the gap.",
          layer->boundN, core::ComparisonSamples::kBoundTestPoints);
  } else if (ui.showsPanels(f.view->continuous)) {
    ImGui::TextDisabled(ui.compareMethods && f.race.empty() ? "no methods training"
                                                            : "measuring...");
  }
  return edited;
}

void toggleCompare(UiState& ui) {
  ui.compare = !ui.compare;
  if (ui.compare && ui.lab.on) ui.lab.toggle();  // one mode of the canvas at a time
}

void compareOverlay(const Layout& layout, FrameContext& f, UiState& ui) {
  const core::CompareLayer* layer = f.view->compare.get();
  if (!ui.showsPanels(f.view->continuous) || !layer || layer->panels.empty()) return;
  ImDrawList* d = ImGui::GetBackgroundDrawList();
  const ImVec2 c0(layout.canvasX, layout.canvasY);
  d->PushClipRect(c0, ImVec2(c0.x + layout.canvasW, c0.y + layout.canvasH), true);
  const int count = static_cast<int>(layer->panels.size());
  const int width = static_cast<int>(std::lround(layout.canvasW));
  const int height = static_cast<int>(std::lround(layout.canvasH));
  for (int k = 0; k < count; ++k) {
    const core::PanelSpan span = core::panelSpan(core::Box{0, 0, 1, 1}, width, height, count, k);
    const ImVec2 bottom(c0.x + static_cast<float>(span.x0) + 8.0f,
                        c0.y + static_cast<float>(height - span.y0) - 6.0f);
    panelLabels(d, layer->panels[static_cast<std::size_t>(k)], bottom);
  }
  d->PopClipRect();
}

void compareChartsSection(FrameContext& f) {
  const core::CompareLayer* layer = f.view->compare.get();
  PlotSeries cost{"transport cost", IM_COL32(255, 190, 80, 255), {}, {}},
      own{"its exact OT cost", IM_COL32(120, 200, 255, 255), {}, {}},
      straightness{"straightness", IM_COL32(120, 230, 140, 255), {}, {}},
      rk4{"W2 rk4-100", IM_COL32(120, 200, 255, 255), {}, {}},
      euler{"W2 1 Euler step", IM_COL32(255, 120, 110, 255), {}, {}};
  if (layer)
    for (const core::ComparePanel& p : layer->panels) {
      const double round = p.stage + 1;
      const core::EntryFigures& e = p.figures;
      for (auto [series, value] : {std::pair{&cost, e.transportCost},
                                   {&own, e.endpointOtCost},
                                   {&straightness, e.straightness},
                                   {&rk4, e.w2Rk4},
                                   {&euler, e.w2Euler1}}) {
        series->x.push_back(round);
        series->y.push_back(value);
      }
    }
  const double bound = layer ? layer->otLowerBound : NAN;
  xyPlot("transport cost against the round", {cost, own}, false, false, 120.0f, bound,
         layer ? "OT lower bound" : nullptr);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "E|x1 - x0|^2 of each stage's map on the same base points, its exact OT cost on those\n"
        "points (no coupling of them costs less), and the lower bound on W2^2(N(0, I), target)\n"
        "(Kantorovich dual potentials; no flow's cost is under it).");
  xyPlot("straightness against the round", {straightness}, false, true, 100.0f, NAN, nullptr);
  xyPlot("W2 to the target against the round", {rk4, euler}, false, false, 110.0f,
         layer ? layer->w2Floor : NAN, layer ? "floor" : nullptr);
}

}  // namespace flowlab::app::panels

namespace flowlab::app::panels {

void methodTable(const Layout& layout, FrameContext& f, UiState& ui) {
  const core::CompareLayer* layer = f.view->compare.get();
  if (layout.tableHeight <= 0.0f || !layer || !ui.compareMethods) return;
  constexpr ImGuiWindowFlags kFlags = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                      ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoTitleBar |
                                      ImGuiWindowFlags_NoSavedSettings |
                                      ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::SetNextWindowPos(ImVec2(layout.canvasX, layout.canvasY + layout.canvasH));
  ImGui::SetNextWindowSize(ImVec2(layout.canvasW, layout.tableHeight));
  ImGui::Begin("methods table", nullptr, kFlags);
  static constexpr const char* kColumns[] = {"method",     "NLL",          "W2 RK4-100",
                                             "W2 1 Euler", "straightness", "NFE",
                                             "steps",      "steps/s",      "wall s"};
  constexpr int kCount = static_cast<int>(std::size(kColumns));
  if (ImGui::BeginTable("methods", kCount,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                            ImGuiTableFlags_SizingStretchProp)) {
    for (const char* c : kColumns) ImGui::TableSetupColumn(c);
    ImGui::TableHeadersRow();
    for (const core::ComparePanel& p : layer->panels) {
      const core::EntryFigures& e = p.figures;
      const std::string cells[] = {p.name + (p.training ? " *" : ""),
                                   number(e.nll, "%.3f"),
                                   number(e.w2Rk4, "%.4f"),
                                   number(e.w2Euler1, "%.4f"),
                                   number(e.straightness, "%.4g"),
                                   number(double(e.nfe), "%.0f"),
                                   number(double(p.trainingSteps), "%.0f"),
                                   number(p.stepsPerSecond, "%.0f"),
                                   number(p.wallSeconds, "%.1f")};
      ImGui::TableNextRow();
      for (const std::string& c : cells) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.c_str());
      }
    }
    ImGui::EndTable();
  }
  if (ImGui::IsWindowHovered())
    ImGui::SetTooltip(
        "On the same %ld base points and target sample. NLL: exact, nats per held-out point\n"
        "('-' where the method has no density it trains). W2 at RK4 100 steps and after one\n"
        "Euler step; straightness: E|x1 - x0 - v|^2 along the path (0: straight). steps/s: of\n"
        "the stage's own steps, sharing the cores; wall: from the method's start to this\n"
        "stage's end (now, for one training: *).",
        layer->n);
  ImGui::End();
}

}  // namespace flowlab::app::panels
