// Layer switches and styles.
#include <imgui.h>

#include "app/panels/panels.hpp"

namespace flowlab::app::panels {

bool layersSection(FrameContext& f, UiState& ui) {
  bool edited = false;
  core::ViewSettings& v = ui.view;
  const bool continuous = f.view->continuous;
  pushControlWidth("arrows across");

  edited |= ImGui::Checkbox("particles (1)", &v.particles);
  if (v.particles && ImGui::TreeNode("particle style")) {
    edited |= ImGui::SliderInt("count", &v.particleCount, 1000, 100000, "%d",
                               ImGuiSliderFlags_Logarithmic);
    edited |= ImGui::SliderFloat("size", &v.pointSize, 1.0f, 8.0f, "%.1f px");
    edited |= ImGui::SliderFloat("opacity##p", &v.particleAlpha, 0.05f, 1.0f);
    int colouring = v.colouring == core::ParticleColouring::ByStart ? 0 : 1;
    edited |= ImGui::RadioButton("colour by start", &colouring, 0);
    ImGui::SameLine();
    edited |= ImGui::RadioButton("by log p_t", &colouring, 1);
    v.colouring =
        colouring == 0 ? core::ParticleColouring::ByStart : core::ParticleColouring::ByLogDensity;
    ImGui::TreePop();
  }
  if (!continuous) ImGui::BeginDisabled();
  edited |= ImGui::Checkbox("trajectories (2)", &v.paths);
  if (v.paths && continuous && ImGui::TreeNode("trajectory style")) {
    edited |= ImGui::SliderInt("paths", &v.pathCount, 10, 2000, "%d", ImGuiSliderFlags_Logarithmic);
    edited |= ImGui::SliderFloat("trail", &v.trail, 0.05f, 1.0f, "%.2f of t");
    edited |= ImGui::SliderFloat("opacity##t", &v.pathAlpha, 0.05f, 1.0f);
    ImGui::TreePop();
  }
  edited |= ImGui::Checkbox("velocity field (3)", &v.field);
  if (v.field && continuous && ImGui::TreeNode("field style")) {
    edited |= ImGui::Checkbox("arrows", &v.arrows);
    ImGui::SameLine();
    edited |= ImGui::Checkbox("streamlines", &v.streamlines);
    if (v.arrows) {
      edited |= ImGui::SliderInt("arrows across", &v.fieldArrows, 8, 64);
      edited |= ImGui::SliderFloat("opacity##f", &v.arrowAlpha, 0.05f, 1.0f);
    }
    if (v.streamlines) {
      edited |= ImGui::SliderInt("seeds across", &v.streamlineSeeds, 3, 16);
      edited |= ImGui::SliderFloat("opacity##s", &v.streamlineAlpha, 0.05f, 1.0f);
    }
    ImGui::TreePop();
  }
  if (!continuous) ImGui::EndDisabled();
  edited |= ImGui::Checkbox("density p_t, exact (4)", &v.density);
  if (v.density && ImGui::TreeNode("density style")) {
    const char* sizes[] = {"32", "64", "96", "128", "192", "256"};
    const int values[] = {32, 64, 96, 128, 192, 256};
    int current = 3;
    for (int i = 0; i < 6; ++i)
      if (values[i] == v.heatmapSize) current = i;
    if (ImGui::Combo("grid", &current, sizes, 6)) {
      v.heatmapSize = values[current];
      edited = true;
    }
    edited |= ImGui::SliderFloat("range", &v.densityRange, 2.0f, 20.0f, "%.0f nats");
    edited |= ImGui::SliderFloat("opacity##d", &v.densityOpacity, 0.05f, 1.0f);
    ImGui::TreePop();
  }
  if (!continuous) ImGui::BeginDisabled();
  edited |= ImGui::Checkbox("divergence div v (5)", &v.divergence);
  if (v.divergence && continuous && ImGui::TreeNode("divergence style")) {
    edited |= ImGui::SliderFloat("opacity##v", &v.divergenceOpacity, 0.05f, 1.0f);
    ImGui::TreePop();
  }
  if (!continuous) ImGui::EndDisabled();
  edited |= ImGui::Checkbox("warped grid (6)", &v.warpedGrid);
  if (v.warpedGrid && ImGui::TreeNode("grid style")) {
    edited |= ImGui::SliderInt("lines", &v.gridLines, 5, 41);
    edited |= ImGui::SliderFloat("opacity##g", &v.gridAlpha, 0.05f, 1.0f);
    ImGui::TreePop();
  }
  edited |= ImGui::Checkbox("target samples (7)", &v.targetSamples);
  ImGui::SameLine();
  edited |= ImGui::Checkbox("target density (8)", &v.targetDensity);
  if ((v.targetSamples || v.targetDensity) && ImGui::TreeNode("target style")) {
    edited |= ImGui::SliderInt("samples", &v.targetSampleCount, 500, 20000, "%d",
                               ImGuiSliderFlags_Logarithmic);
    edited |= ImGui::SliderFloat("opacity##ts", &v.targetAlpha, 0.05f, 1.0f);
    edited |= ImGui::SliderFloat("opacity##td", &v.targetDensityOpacity, 0.05f, 1.0f);
    ImGui::TreePop();
  }
  if (ImGui::TreeNode("path accuracy")) {
    edited |= ImGui::SliderInt("RK4 steps", &v.knots, 1, 64);
    ImGui::TextWrapped(
        "Particles are computed with this many RK4 steps from t = 0 to 1 and "
        "interpolated in between.");
    ImGui::TreePop();
  }
  if (!continuous)
    ImGui::TextWrapped(
        "RealNVP is a discrete flow: it has no velocity field and is shown at t = 1.");
  ImGui::PopItemWidth();
  return edited;
}

}  // namespace flowlab::app::panels
