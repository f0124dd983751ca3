// Everything drawn over the canvas (hint line, legends, performance overlay, inspector, brush
// cursor, messages) and the status bar under it.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "app/panels/panels.hpp"
#include "app/panels/shadow_text.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/render/canvas_painter.hpp"
#include "core/render/colours.hpp"

namespace flowlab::app::panels {

namespace {

ImU32 rgb(const core::Colour& c, float a = 1.0f) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.r, c.g, c.b, a));
}

// A horizontal colour bar with end labels.
void colourBar(ImDrawList* d, ImVec2 p, float w, bool diverging, const char* lo, const char* hi) {
  const int n = 32;
  for (int i = 0; i < n; ++i) {
    const float s = (i + 0.5f) / n;
    const core::Colour c =
        diverging ? core::divergingColour(2.0f * s - 1.0f) : core::sequentialColour(s);
    d->AddRectFilled(ImVec2(p.x + w * i / n, p.y), ImVec2(p.x + w * (i + 1) / n + 0.5f, p.y + 8),
                     rgb(c));
  }
  shadowText(d, ImVec2(p.x, p.y + 9), IM_COL32(200, 205, 215, 255), lo);
  shadowText(d, ImVec2(p.x + w - ImGui::CalcTextSize(hi).x, p.y + 9), IM_COL32(200, 205, 215, 255),
             hi);
}

}  // namespace

void canvasOverlay(const Layout& layout, FrameContext& f, UiState& ui) {
  ImDrawList* d = ImGui::GetBackgroundDrawList();
  const ImVec2 c0(layout.canvasX, layout.canvasY);
  const ImVec2 c1(layout.canvasX + layout.canvasW, layout.canvasY + layout.canvasH);
  d->PushClipRect(c0, c1, true);
  const ImU32 text = IM_COL32(215, 220, 230, 255), dim = IM_COL32(150, 155, 170, 255);

  // Hint line.
  const char* hint = ui.brushOn ? "Brush: left-drag paints the target  |  E: paint/erase  |  [ ]: "
                                  "radius  |  right-drag: pan  |  B: brush off"
                                : "Drag: pan  |  Wheel: zoom  |  B: paint the target  |  Space: "
                                  "play/pause  |  T: training on/off  |  F1: help";
  if (ui.lab.on && f.view->continuous)
    hint = "Solver lab: Right: step  |  Left: back  |  Space: run  |  Home: reset  |  S: exit";
  else if (ui.showsPanels(f.view->continuous))
    hint = ui.compareMethods
               ? "Methods side by side: drag/wheel move every panel  |  Space: play  |  C: exit"
               : "Stages side by side: drag/wheel move every panel  |  Space: play  |  C: exit";
  // A narrow canvas gets the short form, so the line never runs under the overlay's edge.
  if (ImGui::CalcTextSize(hint).x > layout.canvasW - 16.0f)
    hint = ui.brushOn ? "Brush: drag paints  |  E: erase  |  B: off"
           : ui.lab.on && f.view->continuous
               ? "Lab: Right step  |  Left back  |  S: exit"
               : "Drag: pan  |  B: paint  |  Space: play  |  F1: help";
  shadowText(d, ImVec2(c0.x + 8, c0.y + 6), dim, hint);
  if (ui.lab.on && f.view->continuous && !f.view->lab)
    shadowText(d, ImVec2(c0.x + 8, c0.y + 24), text, "Solver lab: computing the solve...");

  // Performance overlay.
  if (ui.showPerf) {
    char line[160];
    float y = c0.y + 24;
    auto right = [&](const char* s, ImU32 colour) {
      shadowText(d, ImVec2(c1.x - 8 - ImGui::CalcTextSize(s).x, y), colour, s);
      y += 15;
    };
    std::snprintf(line, sizeof line, "training %.0f steps/s",
                  f.snapshot ? f.snapshot->stepsPerSecond : 0.0);
    right(line, text);
    std::snprintf(line, sizeof line, "frame %.1f ms (worst %.1f)  %.0f fps",
                  1e3 * f.frames.recentMean(60), 1e3 * f.frames.recentWorst(120),
                  f.frames.recentMean(60) > 0 ? 1.0 / f.frames.recentMean(60) : 0.0);
    right(line, text);
    std::snprintf(line, sizeof line, "data age %.2f s  |  view worker %.0f%%", f.dataAge,
                  100.0 * f.view->busyFraction);
    right(line, dim);
    std::snprintf(line, sizeof line, "SIMD kernels: %s",
                  std::string(core::kernelSetName(core::activeKernelSet())).c_str());
    right(line, dim);
  }

  // Legends, bottom-left.
  float ly = c1.y - 8;
  char lo[48], hi[48], label[160];
  const core::ViewSettings& v = ui.view;
  // A t-dependent layer computed at another t than the one on screen is marked: it is being
  // recomputed for the t shown (while the animation plays, it follows a cycle behind).
  const double tShown = f.t;
  const ImU32 stale = IM_COL32(255, 200, 90, 255);
  auto gridLegend = [&](const core::GridLayer& g, const char* what, bool diverging, const char* a,
                        const char* b) {
    ly -= 40;
    const bool behind = std::abs(g.grid.t - tShown) > 1e-9;
    std::snprintf(label, sizeof label, "%s at t = %.2f, %dx%d, step %ld", what, g.grid.t,
                  g.grid.width, g.grid.height,
                  f.view->snapshot ? f.view->snapshot->totalSteps : 0L);
    shadowText(d, ImVec2(c0.x + 8, ly), behind ? stale : text, label);
    if (behind) {
      std::snprintf(lo, sizeof lo, "  (stale: computing t = %.2f)", tShown);
      shadowText(d, ImVec2(c0.x + 8 + ImGui::CalcTextSize(label).x, ly), stale, lo);
    }
    colourBar(d, ImVec2(c0.x + 8, ly + 16), 180, diverging, a, b);
  };
  if (v.density && f.view->density) {
    std::snprintf(lo, sizeof lo, "%.1f", static_cast<double>(f.densityLo));
    std::snprintf(hi, sizeof hi, "%.1f", static_cast<double>(f.densityHi));
    const std::string l = lo, h = hi;
    gridLegend(*f.view->density, "log p_t exact", false, l.c_str(), h.c_str());
  }
  if (v.divergence && f.view->continuous && f.view->divergence) {
    std::snprintf(lo, sizeof lo, "%.2f", -static_cast<double>(f.divergenceScale));
    std::snprintf(hi, sizeof hi, "+%.2f", static_cast<double>(f.divergenceScale));
    const std::string l = lo, h = hi;
    gridLegend(*f.view->divergence, "div v (blue: converging, red: spreading)", true, l.c_str(),
               h.c_str());
  }
  // Field arrows: the length of an arrow at the flow's typical speed (canvas_painter.cpp).
  if (v.field && v.arrows && f.view->continuous && f.view->field && f.view->field->cols > 0) {
    const core::FieldSamples& field = *f.view->field;
    const float cell =
        static_cast<float>(field.box.width() / field.cols * ui.camera.pixelsPerUnit());
    const float length = 0.5f * core::kArrowCells * cell;
    ly -= 20;
    const ImVec2 a(c0.x + 10, ly + 7), b(c0.x + 10 + length, ly + 7);
    d->AddLine(a, b, text, 1.5f);
    d->AddTriangleFilled(ImVec2(b.x + 5, b.y), ImVec2(b.x - 2, b.y - 4), ImVec2(b.x - 2, b.y + 4),
                         text);
    const bool behind = std::abs(field.t - tShown) > 1e-9;
    std::snprintf(label, sizeof label, "|v| = %.2f, the flow's median speed at t = %.2f",
                  static_cast<double>(field.typicalSpeed), field.t);
    shadowText(d, ImVec2(b.x + 12, ly), behind ? stale : text, label);
  }

  // Time, bottom-right.
  std::snprintf(label, sizeof label, "t = %.2f", f.t);
  shadowText(d, ImVec2(c1.x - 8 - ImGui::CalcTextSize(label).x, c1.y - 22), text, label);

  // Messages: view-worker failures, divergence — wrapped to the left 60% of the canvas, on a
  // dark band, so they stay clear of the performance lines at the right.
  float my = c0.y + 24;
  auto message = [&](const std::string& body) {
    const float wrap = 0.6f * layout.canvasW;
    const ImVec2 size = ImGui::CalcTextSize(body.c_str(), nullptr, false, wrap);
    const ImVec2 at(c0.x + 8, my);
    d->AddRectFilled(ImVec2(at.x - 4, at.y - 2), ImVec2(at.x + size.x + 4, at.y + size.y + 2),
                     IM_COL32(30, 12, 14, 210), 3.0f);
    d->AddText(nullptr, 0.0f, at, IM_COL32(255, 130, 130, 255), body.c_str(), nullptr, wrap);
    my += size.y + 6;
  };
  if (!f.view->error.empty()) message("view: " + f.view->error);
  if (f.snapshot && (f.snapshot->status == core::TrainerStatus::Diverged ||
                     f.snapshot->status == core::TrainerStatus::Error))
    message("Training " + std::string(core::statusName(f.snapshot->status)) + ": " +
            f.snapshot->message);
  // Toasts sit at the top centre, under the hint line and clear of the performance lines at
  // the right (wrapped to the canvas's middle half).
  if (f.now < ui.toastUntil && !ui.toast.empty()) {
    const float wrap = 0.5f * layout.canvasW;
    const ImVec2 size = ImGui::CalcTextSize(ui.toast.c_str(), nullptr, false, wrap);
    const ImVec2 at(c0.x + 0.5f * (layout.canvasW - size.x), std::max(my, c0.y + 96.0f));
    d->AddRectFilled(ImVec2(at.x - 6, at.y - 4), ImVec2(at.x + size.x + 6, at.y + size.y + 4),
                     IM_COL32(20, 22, 28, 220), 4.0f);
    d->AddText(nullptr, 0.0f, at, IM_COL32(255, 225, 140, 255), ui.toast.c_str(), nullptr, wrap);
  }

  // Brush cursor.
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool overCanvas = ui.pointerOn && mouse.x >= c0.x && mouse.x < c1.x && mouse.y >= c0.y &&
                          mouse.y < c1.y && !ImGui::GetIO().WantCaptureMouse;
  if (ui.brushOn && overCanvas) {
    const float r = static_cast<float>(ui.brush.radius * ui.camera.pixelsPerUnit());
    const ImU32 colour = ui.brush.mode == BrushMode::Paint ? IM_COL32(255, 230, 120, 220)
                                                           : IM_COL32(120, 200, 255, 220);
    d->AddCircle(mouse, r, colour, 48, 1.5f);
    d->AddCircle(mouse, r * static_cast<float>(1.0 - ui.brush.softness), colour & 0x80ffffffu, 48,
                 1.0f);
  }
  d->PopClipRect();

  // Inspector.
  if (ui.probeOn && ui.probe.valid && overCanvas && !ui.brushOn) {
    const Probe& p = ui.probe;
    ImGui::BeginTooltip();
    ImGui::Text("x = (%.3f, %.3f)   t = %.3f", p.x, p.y, p.t);
    if (p.hasField) {
      ImGui::Text("v = (%.3f, %.3f)   |v| = %.3f", p.vx, p.vy, std::hypot(p.vx, p.vy));
      ImGui::Text("div v = %.3f", p.divergence);
    }
    if (p.hasLogDensity)
      ImGui::Text("log p_t = %.3f   (p_t = %.3g)", p.logDensity, std::exp(p.logDensity));
    ImGui::EndTooltip();
  }
}

void statusBar(const Layout& layout, FrameContext& f, UiState& ui) {
  constexpr ImGuiWindowFlags flags =
      ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
      ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar |
      ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
      ImGuiWindowFlags_NoBackground;
  const float y = layout.columnHeight();
  ImGui::SetNextWindowPos(ImVec2(0, y));
  ImGui::SetNextWindowSize(
      ImVec2(layout.leftWidth + layout.canvasW + layout.rightWidth, layout.statusHeight));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 3));
  ImGui::Begin("status", nullptr, flags);
  const core::Snapshot* s = f.snapshot.get();
  if (!s) {
    ImGui::TextDisabled("starting...");
  } else {
    ImVec4 colour(0.5f, 0.9f, 0.5f, 1.0f);
    if (s->status == core::TrainerStatus::Paused || s->status == core::TrainerStatus::Finished)
      colour = ImVec4(0.95f, 0.8f, 0.4f, 1.0f);
    if (s->status == core::TrainerStatus::Preparing) colour = ImVec4(0.55f, 0.8f, 1.0f, 1.0f);
    if (s->status == core::TrainerStatus::Diverged || s->status == core::TrainerStatus::Error)
      colour = ImVec4(1.0f, 0.4f, 0.4f, 1.0f);
    ImGui::TextColored(colour, "%s", core::statusName(s->status));
    // What the trainer is doing or why it stopped comes first: it must fit a small window.
    if (s->status == core::TrainerStatus::Preparing) {
      ImGui::SameLine();
      ImGui::ProgressBar(static_cast<float>(s->progress), ImVec2(90, 0));
    }
    if (!s->message.empty()) {
      // At most half the bar; the whole message on hover (and over the canvas when it failed).
      ImGui::SameLine();
      const float room = 0.5f * ImGui::GetContentRegionAvail().x;
      std::string shown = s->message;
      if (ImGui::CalcTextSize(shown.c_str()).x > room) {
        while (!shown.empty() && ImGui::CalcTextSize((shown + "...").c_str()).x > room) {
          // A whole UTF-8 character: its continuation bytes, then its lead byte.
          while (!shown.empty() && (static_cast<unsigned char>(shown.back()) & 0xC0) == 0x80)
            shown.pop_back();
          if (!shown.empty()) shown.pop_back();
        }
        shown += "...";
      }
      ImGui::TextColored(colour, "%s", shown.c_str());
      if (ImGui::IsItemHovered() && shown != s->message)
        ImGui::SetTooltip("%s", s->message.c_str());
    }
    ImGui::SameLine();
    const float loss = s->loss.empty() ? NAN : s->loss.back().loss;
    const core::TrainerConfig* c = s->model ? &s->model->config : nullptr;
    const int stages = c ? core::stageCount(*c) : 1;
    ImGui::Text(
        "|  step %ld (stage %d of %d)  |  %.0f steps/s  |  loss %.4g  |  %s, %dx%d %s, lr %.0e, "
        "batch %d  |  target: %s",
        s->totalSteps, s->stage + 1, stages, s->stepsPerSecond, static_cast<double>(loss),
        c ? std::string(core::methodName(c->method)).c_str() : "?", c ? c->mlp.hidden : 0,
        c ? c->mlp.layers : 0,
        c ? std::string(core::activationName(c->mlp.activation)).c_str() : "",
        c ? c->adam.learningRate : 0.0, c ? c->batch : 0, f.targetLabel.c_str());
    if (ui.brushOn) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(1.0f, 0.9f, 0.45f, 1.0f), "|  brush on");
    }
  }
  ImGui::End();
  ImGui::PopStyleVar();
}

}  // namespace flowlab::app::panels
