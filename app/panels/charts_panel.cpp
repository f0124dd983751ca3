// Right column: the loss (log scale, raw and smoothed) and the core's metrics over training
// steps, with their reference values (W2 floor, entropy), and the latest numbers.
#include <imgui.h>

#include <cmath>
#include <vector>

#include "app/panels/line_chart.hpp"
#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

namespace {
constexpr ImGuiWindowFlags kFixed =
    ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
    ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoBringToFrontOnFocus |
    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBackground;

// Rebuilt only when the snapshot changes.
struct ChartCache {
  std::uint64_t version = ~0ull;
  float smoothing = -1.0f;
  int points = 0;
  ChartData loss, w2, nll, straightness, nfe;
};
}  // namespace

// The newest metrics of every stage measured so far, one row each (rectified flow's reflow
// rounds side by side: straightness falls, W2 should hold).
static void stageTable(const core::Snapshot& s, int stages) {
  std::vector<const core::MetricSample*> newest(static_cast<std::size_t>(stages), nullptr);
  for (const core::MetricSample& m : s.metrics)
    if (m.stage >= 0 && m.stage < stages) newest[static_cast<std::size_t>(m.stage)] = &m;
  constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg;
  if (!ImGui::BeginTable("stages", 5, kFlags)) return;
  for (const char* h : {"stage", "step", "W2", "NLL", "straight"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  auto cell = [](double v, const char* format) {
    ImGui::TableNextColumn();
    if (std::isfinite(v))
      ImGui::Text(format, v);
    else
      ImGui::TextDisabled("-");
  };
  for (int k = 0; k < stages; ++k) {
    const core::MetricSample* m = newest[static_cast<std::size_t>(k)];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%d%s", k + 1,
                k == s.stage && s.status != core::TrainerStatus::Finished ? "*" : "");
    if (!m) {
      ImGui::TableNextColumn();
      ImGui::TextDisabled(k < s.stage ? "not measured" : "not yet");
      continue;
    }
    ImGui::TableNextColumn();
    ImGui::Text("%ld", m->step);
    cell(m->w2, "%.3f");
    cell(m->nll, "%.3f");
    cell(m->straightness, "%.4f");
  }
  ImGui::EndTable();
  if (s.status != core::TrainerStatus::Finished) ImGui::TextDisabled("* the stage training now");
}

void chartsSection(FrameContext& f, UiState& ui) {
  static ChartCache cache;  // UI thread only
  float& smoothing = ui.lossSmoothing;
  const core::Snapshot* s = f.snapshot.get();
  const int points = static_cast<int>(ImGui::GetContentRegionAvail().x);
  if (s &&
      (s->version != cache.version || smoothing != cache.smoothing || points != cache.points)) {
    cache.loss = lossChart(s->loss, points, smoothing);
    std::vector<double> steps, w2, nll, straight, nfe;
    for (const auto& m : s->metrics) {
      steps.push_back(static_cast<double>(m.step));
      w2.push_back(m.w2);
      nll.push_back(m.nll);
      straight.push_back(m.straightness);
      nfe.push_back(m.nfe > 0 ? static_cast<double>(m.nfe) : NAN);
    }
    cache.w2 = metricChart(steps, w2, true);
    cache.nll = metricChart(steps, nll, false);
    cache.straightness = metricChart(steps, straight, true);
    cache.nfe = metricChart(steps, nfe, false);
    cache.version = s->version;
    cache.smoothing = smoothing;
    cache.points = points;
  }
  const core::TargetInfo* info =
      f.snapshot && f.snapshot->target ? core::findTargetInfo(f.snapshot->target->name()) : nullptr;
  const core::MetricSample* last = s && !s->metrics.empty() ? &s->metrics.back() : nullptr;
  // Looking back through training: every chart marks the step shown.
  const double marker = ui.historyStep >= 0 ? static_cast<double>(ui.historyStep) : NAN;
  ChartStyle loss;
  loss.marker = marker;
  loss.height = 100.0f;
  loss.showRaw = true;
  lineChart("loss (raw and smoothed)", cache.loss, loss);
  ImGui::SetNextItemWidth(120);
  ImGui::SliderFloat("smoothing", &smoothing, 0.0f, 0.999f, "%.3f");

  // The W2 floor of the same number of points as the metric (it shrinks with n).
  char floorLabel[48];
  ChartStyle w2;
  w2.marker = marker;
  if (last && std::isfinite(last->w2Floor)) {
    w2.reference = last->w2Floor;
    std::snprintf(floorLabel, sizeof floorLabel, "floor, n = %d", core::MetricSample::kW2Points);
    w2.referenceLabel = floorLabel;
  }
  lineChart("W2 to the target", cache.w2, w2);
  ChartStyle nll;
  nll.marker = marker;
  nll.smoothColour = 0xffffaa55u;
  if (info) {
    nll.reference = info->entropy;
    nll.referenceLabel = "entropy H";
  }
  lineChart("NLL (nats/point)", cache.nll, nll);
  ChartStyle straight;
  straight.marker = marker;
  straight.smoothColour = 0xff88ff88u;
  lineChart("straightness", cache.straightness, straight);
  ChartStyle nfe;
  nfe.marker = marker;
  nfe.smoothColour = 0xffddddddu;
  nfe.format = "%.0f";
  nfe.height = 50.0f;
  lineChart("NFE (sampling)", cache.nfe, nfe);

  ImGui::Separator();
  if (!last) {
    ImGui::TextWrapped(
        "Metrics appear after the first evaluation (every 3 s of training, and "
        "at the end of each stage).");
    return;
  }
  const int stages = s->model ? core::stageCount(s->model->config) : 1;
  if (stages > 1) {
    // Several stages: their newest figures side by side, the references once.
    ImGui::TextDisabled("W2 floor %.3f (n = %d)", last->w2Floor, core::MetricSample::kW2Points);
    if (info) {
      ImGui::SameLine();
      ImGui::TextDisabled(" H = %.3f", info->entropy);
    }
    stageTable(*s, stages);
    return;
  }
  ImGui::Text("step %ld:", last->step);
  if (std::isfinite(last->w2)) {
    ImGui::Text("W2 %.3f", last->w2);
    ImGui::SameLine();
    ImGui::TextDisabled("(floor %.3f at n = %d)", last->w2Floor, core::MetricSample::kW2Points);
  }
  if (std::isfinite(last->nll)) {
    ImGui::Text("NLL %.3f nats", last->nll);
    if (info) {
      ImGui::SameLine();
      ImGui::TextDisabled("(H = %.3f)", info->entropy);
    }
  }
  if (std::isfinite(last->straightness)) ImGui::Text("straightness %.4f", last->straightness);
  if (last->nfe > 0) ImGui::Text("NFE %ld", last->nfe);
  if (!std::isfinite(last->straightness)) ImGui::TextDisabled("no velocity field: no paths");
}

void historyBar(FrameContext& f, UiState& ui) {
  const auto history = f.snapshot ? f.snapshot->history : nullptr;
  if (!history || history->empty()) return;
  const auto& entries = *history;
  const int last = static_cast<int>(entries.size());  // the slider's end: live
  int index = last;
  if (ui.historyStep >= 0) {
    index = 0;
    for (int i = 0; i < last; ++i)
      if (entries[static_cast<std::size_t>(i)].totalSteps <= ui.historyStep) index = i;
  }
  char label[64];
  if (index == last)
    std::snprintf(label, sizeof label, "live, step %ld", f.snapshot->totalSteps);
  else
    std::snprintf(label, sizeof label, "step %ld (stage %d)",
                  entries[static_cast<std::size_t>(index)].totalSteps,
                  entries[static_cast<std::size_t>(index)].stage + 1);
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - 56.0f, 60.0f));
  if (ImGui::SliderInt("##history", &index, 0, last, label))
    ui.historyStep = index == last ? -1 : entries[static_cast<std::size_t>(index)].totalSteps;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Training history: drag back to see every layer as the model was then (%d kept,\n"
        "log-spaced); the right end, or 'live', returns to the newest.",
        last);
  ImGui::SameLine();
  if (ImGui::SmallButton("live")) ui.historyStep = -1;
}

void chartsPanel(const Layout& layout, FrameContext& f, UiState& ui) {
  if (layout.rightWidth <= 0.0f) return;  // narrow windows show them in the left column
  ImGui::SetNextWindowPos(ImVec2(layout.canvasX + layout.canvasW, 0));
  ImGui::SetNextWindowSize(ImVec2(layout.rightWidth, layout.columnHeight()));
  ImGui::Begin("charts", nullptr, kFixed);
  const ImVec4 heading(0.55f, 0.8f, 1.0f, 1.0f);
  historyBar(f, ui);
  if (ui.lab.on && f.view->continuous) {
    // The solver lab: its charts first, the training curves below.
    if (f.view->labStudy)
      ImGui::TextColored(heading, "Solvers at training step %ld", f.view->labStudySteps);
    else
      ImGui::TextColored(heading, "Solvers");
    solverStudySection(f);
    ImGui::Separator();
  } else if (ui.showsPanels(f.view->continuous) && !ui.compareMethods) {
    ImGui::TextColored(heading, "Stages against the round");
    compareChartsSection(f);
    ImGui::Separator();
  }
  ImGui::TextColored(heading, "Training curves");
  chartsSection(f, ui);
  ImGui::End();
}

}  // namespace flowlab::app::panels
