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
  ChartData loss, w2, nll, straightness, nfe;
};
}  // namespace

void chartsPanel(const Layout& layout, FrameContext& f, UiState& ui) {
  if (layout.rightWidth <= 0.0f) return;
  static ChartCache cache;  // UI thread only
  float& smoothing = ui.lossSmoothing;
  ImGui::SetNextWindowPos(ImVec2(layout.canvasX + layout.canvasW, 0));
  ImGui::SetNextWindowSize(ImVec2(layout.rightWidth, layout.canvasH + layout.timelineHeight));
  ImGui::Begin("charts", nullptr, kFixed);
  const core::Snapshot* s = f.snapshot.get();
  if (s && (s->version != cache.version || smoothing != cache.smoothing)) {
    const int points = static_cast<int>(layout.rightWidth);
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
  }
  const core::TargetInfo* info =
      f.snapshot && f.snapshot->target ? core::findTargetInfo(f.snapshot->target->name()) : nullptr;
  ImGui::TextColored(ImVec4(0.55f, 0.8f, 1.0f, 1.0f), "Training curves");
  ChartStyle loss;
  loss.height = 110.0f;
  loss.showRaw = true;
  lineChart("loss (raw and smoothed)", cache.loss, loss);
  ImGui::SetNextItemWidth(120);
  ImGui::SliderFloat("smoothing", &smoothing, 0.0f, 0.999f, "%.3f");

  ChartStyle w2;
  if (info) {
    w2.reference = info->w2Floor;
    w2.referenceLabel = "floor";
  }
  lineChart("W2 to the target", cache.w2, w2);
  ChartStyle nll;
  nll.smoothColor = 0xffffaa55u;
  if (info) {
    nll.reference = info->entropy;
    nll.referenceLabel = "entropy H";
  }
  lineChart("NLL (nats/point)", cache.nll, nll);
  ChartStyle straight;
  straight.smoothColor = 0xff88ff88u;
  lineChart("straightness", cache.straightness, straight);
  ChartStyle nfe;
  nfe.smoothColor = 0xffddddddu;
  nfe.format = "%.0f";
  nfe.height = 60.0f;
  lineChart("NFE (sampling)", cache.nfe, nfe);

  if (s && !s->metrics.empty()) {
    const core::MetricSample& m = s->metrics.back();
    ImGui::Separator();
    ImGui::Text("at step %ld:", m.step);
    if (std::isfinite(m.w2)) ImGui::Text("W2 %.3f", m.w2);
    if (info && std::isfinite(m.w2)) {
      ImGui::SameLine();
      ImGui::TextDisabled("(floor %.3f)", info->w2Floor);
    }
    if (std::isfinite(m.nll)) ImGui::Text("NLL %.3f nats", m.nll);
    if (info && std::isfinite(m.nll)) {
      ImGui::SameLine();
      ImGui::TextDisabled("(H = %.3f)", info->entropy);
    }
    if (std::isfinite(m.straightness)) ImGui::Text("straightness %.4f", m.straightness);
    if (m.nfe > 0) ImGui::Text("NFE %ld", m.nfe);
  } else {
    ImGui::TextDisabled("Metrics appear after the first evaluation.");
  }
  ImGui::End();
}

}  // namespace flowlab::app::panels
