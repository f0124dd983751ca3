// Keyboard shortcuts, canvas mouse input (pan, zoom, brush, hover) and the scripted brush
// stroke of headless runs.
#define GLFW_INCLUDE_NONE  // GL comes from libepoxy
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "app/app.hpp"
#include "app/window.hpp"

namespace flowlab::app {

namespace {

std::string timestampedName() {
  char name[64];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(name, sizeof name, "flowlab-%Y%m%d-%H%M%S.png", &tm);
  return name;
}

}  // namespace

bool App::handleSolverLabKeys() {
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
  SolverLab& lab = ui_.lab;
  const int last = labLastStep();
  bool used = false;
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) {  // repeats while held
    lab.running = false;
    lab.forward(last);
    used = true;
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT)) {
    lab.back();
    used = true;
  }
  if (pressed(GLFW_KEY_SPACE)) {
    lab.runOrStop(last);
    used = true;
  }
  if (pressed(GLFW_KEY_HOME)) {
    lab.reset();
    used = true;
  }
  if (pressed(GLFW_KEY_END)) {
    lab.toEnd(last);
    used = true;
  }
  return used;
}

void App::handleShortcuts(Commands& commands) {
  const ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsKeyPressed(GLFW_KEY_F1, false)) ui_.showHelp = !ui_.showHelp;
  if (ImGui::IsKeyPressed(GLFW_KEY_F12, false)) {
    ui_.screenshotPath = timestampedName();
    ui_.screenshotCanvasOnly = !io.KeyShift;
  }
  if (io.WantCaptureKeyboard) return;  // typing in a text field
  const bool ctrl = io.KeyCtrl;
  auto pressed = [](int key) { return ImGui::IsKeyPressed(key, false); };
  if (ctrl && pressed(GLFW_KEY_Q)) window_->requestClose();
  if (ctrl && pressed(GLFW_KEY_R)) ui_.confirmReset = true;
  if (ctrl && pressed(GLFW_KEY_O)) commands.openDialog = true;
  if (ctrl && pressed(GLFW_KEY_S)) {
    commands.saveDialog = io.KeyShift || ui_.sessionPath.empty();
    if (!commands.saveDialog) commands.save = ui_.sessionPath;
  }
  if (ctrl) return;
  if (pressed(GLFW_KEY_S)) {
    ui_.lab.toggle();
    if (ui_.lab.on) ui_.compare = false;  // one mode of the canvas at a time
  }
  if (pressed(GLFW_KEY_C)) panels::toggleCompare(ui_);
  if (ui_.lab.on && handleSolverLabKeys()) return;
  Timeline& tl = ui_.timeline;
  core::ViewSettings& v = ui_.view;
  if (pressed(GLFW_KEY_ESCAPE)) ui_.showHelp = false;
  if (pressed(GLFW_KEY_SPACE)) {
    tl.playing = !tl.playing;
    if (tl.playing && tl.t == tl.endTime() && !tl.loop) tl.rewind();
  }
  if (pressed(GLFW_KEY_T)) commands.pause = !trainer_->paused();
  if (pressed(GLFW_KEY_N)) commands.steps = 1;
  if (pressed(GLFW_KEY_R)) ui_.fitPending = true;
  if (pressed(GLFW_KEY_B)) ui_.brushOn = !ui_.brushOn;
  if (pressed(GLFW_KEY_E)) {
    ui_.brush.mode = ui_.brush.mode == BrushMode::Paint ? BrushMode::Erase : BrushMode::Paint;
    ui_.brushOn = true;
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT_BRACKET))
    ui_.brush.radius = std::max(0.05, ui_.brush.radius / 1.15);
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT_BRACKET))
    ui_.brush.radius = std::min(2.5, ui_.brush.radius * 1.15);
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT) || ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) {
    tl.playing = false;
    tl.scrub(tl.t + (ImGui::IsKeyPressed(GLFW_KEY_LEFT) ? -0.02 : 0.02));
  }
  // Home and End take t to an end of the pass and stop there, as scrubbing does.
  if (pressed(GLFW_KEY_HOME) || pressed(GLFW_KEY_END)) {
    tl.playing = false;
    tl.scrub(pressed(GLFW_KEY_HOME) ? 0.0 : 1.0);
  }
  if (pressed(GLFW_KEY_D)) {
    tl.setDirection(tl.direction == core::FlowDirection::Generate ? core::FlowDirection::Normalize
                                                                  : core::FlowDirection::Generate);
    tl.rewind();
    ui_.lab.reset();  // the lab starts again from the other end's points
  }
  if (pressed(GLFW_KEY_L)) tl.loop = !tl.loop;
  if (pressed(GLFW_KEY_P)) {
    ui_.screenshotPath = timestampedName();
    ui_.screenshotCanvasOnly = true;
  }
  bool* layers[] = {&v.particles,  &v.paths,      &v.field,         &v.density,
                    &v.divergence, &v.warpedGrid, &v.targetSamples, &v.targetDensity};
  for (int i = 0; i < 8; ++i)
    if (pressed(GLFW_KEY_1 + i)) *layers[i] = !*layers[i];
}

void App::handleCanvasInput() {
  const ImGuiIO& io = ImGui::GetIO();
  const double mx = io.MousePos.x, my = io.MousePos.y;
  // Headless runs (--frames) have no person at the mouse: no hover, no drags.
  const bool over =
      ui_.camera.containsScreen(mx, my) && !io.WantCaptureMouse && options_.frames == 0;
  if (over && io.MouseWheel != 0.0f) ui_.camera.zoomAt(mx, my, std::pow(1.15, io.MouseWheel));

  const Vec2 world = ui_.camera.screenToWorld({mx, my});
  const bool leftPans = !ui_.brushOn;
  const bool pressedNow = (leftPans && ImGui::IsMouseClicked(0)) || ImGui::IsMouseClicked(1) ||
                          ImGui::IsMouseClicked(2);
  if (over && pressedNow) dragging_ = true;
  // A drag pans from the press on: the pointer's move before it (this frame) is not a drag.
  if (dragging_ && !pressedNow) {
    const bool held =
        (leftPans && ImGui::IsMouseDown(0)) || ImGui::IsMouseDown(1) || ImGui::IsMouseDown(2);
    if (held)
      ui_.camera.panPixels(io.MouseDelta.x, io.MouseDelta.y);
    else
      dragging_ = false;
  }
  if (over && !ui_.brushOn && ImGui::IsMouseDoubleClicked(0)) ui_.fitPending = true;
  // Solver lab: a click (no drag) places a start point there.
  if (over && ui_.lab.on && view_->continuous && !ui_.brushOn && ImGui::IsMouseReleased(0) &&
      io.MouseDragMaxDistanceSqr[0] < 16.0f)
    ui_.lab.addSeed(world.x, world.y);

  // Brush: paint while the left button is held; the trainer gets the target between steps.
  if (ui_.brushOn && over && ImGui::IsMouseClicked(0)) {
    targets_->beginStroke(world.x, world.y, ui_.brush, now());
    painting_ = true;
  } else if (painting_ && ImGui::IsMouseDown(0)) {
    targets_->strokeTo(world.x, world.y, ui_.brush, now());
  } else if (painting_) {
    targets_->endStroke(now());
    painting_ = false;
  }

  ui_.probeOn = over && !dragging_ && !painting_;
  if (ui_.probeOn) {
    const double t = !view_->continuous ? 1.0 : ui_.lab.on ? labT() : ui_.timeline.t;
    ui_.probe = inspector_.probe(snapshot_, world.x, world.y, t, request_.densitySteps);
  }
}

void App::runScriptedPaint() {
  if (!options_.paint) return;
  const ScriptedPaint& p = *options_.paint;
  constexpr long kStrokeFrames = 90;
  const long k = frameIndex_ - p.frame;
  if (k < 0 || k > kStrokeFrames) return;
  // A person scribbling a blob: small circles around the centre, spiralling out.
  BrushSettings brush;
  brush.radius = 0.6 * p.radius;
  brush.strength = 0.3;
  brush.softness = 0.7;
  const double angle = 0.5 * static_cast<double>(k);
  const double r = 0.45 * p.radius * std::min(1.0, 0.3 + static_cast<double>(k) / kStrokeFrames);
  const double x = p.x + r * std::cos(angle), y = p.y + r * std::sin(angle);
  ui_.brushOn = true;
  if (k == 0)
    targets_->beginStroke(x, y, brush, now());
  else if (k < kStrokeFrames)
    targets_->strokeTo(x, y, brush, now());
  else
    targets_->endStroke(now());
}

}  // namespace flowlab::app
