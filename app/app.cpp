// The app's lifetime and frame loop: start-up (target, window, trainer, view worker), one frame
// (panels, input, request, drawing, screenshots, pacing) and the headless --frames mode.
#include "app/app.hpp"

#define GLFW_INCLUDE_NONE  // GL comes from libepoxy
#include <GLFW/glfw3.h>
#include <epoxy/gl.h>
#include <imgui.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <utility>

#include "app/render/canvas_quad.hpp"
#include "app/render/panel_cache.hpp"
#include "app/screenshot.hpp"
#include "app/state/thread_cpu.hpp"
#include "app/state/view_request.hpp"
#include "app/window.hpp"
#include "core/io/file_io.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/render/raster_image.hpp"
#include "core/training/history_snapshot.hpp"

namespace flowlab::app {

namespace {

using Clock = std::chrono::steady_clock;

// Fewer training steps than this: a model not worth stepping through in the solver lab.
constexpr long kLabUntrainedSteps = 2000;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// SIGTERM, SIGINT and SIGHUP close the window as its close button does: the frame loop ends and
// the experiment is saved to the recovery file on the way out.
volatile std::sig_atomic_t closeSignal = 0;
void onCloseSignal(int) { closeSignal = 1; }
void closeOnSignals() {
  struct sigaction action {};
  action.sa_handler = onCloseSignal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaction(s, &action, nullptr);
}

// Training steps per second of a trainer over `duration` seconds after a short warm-up.
double measureStepsPerSecond(const core::TrainerConfig& config,
                             const std::shared_ptr<const core::Target>& target, double duration) {
  core::Trainer trainer(config, target, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto a = trainer.snapshot();
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  const auto b = trainer.snapshot();
  const double elapsed = seconds(Clock::now() - t0);
  return elapsed > 0.0 ? static_cast<double>(b->totalSteps - a->totalSteps) / elapsed : 0.0;
}

}  // namespace

App::App(AppOptions options) : options_(std::move(options)), measurement_(options_.frames) {
  ui_.running = ui_.editing = options_.config;
  ui_.view.particleCount = options_.particles;
  if (!options_.show.empty())
    core::showOnly(options_.show, ui_.view);  // names checked by the parser
  if (options_.t >= 0.0) ui_.timeline.t = options_.t;
  ui_.timeline.playing = !options_.still;
  ui_.pointerOn = options_.frames == 0;
  if (options_.lab) {
    ui_.lab.toggle();
    ui_.lab.choose(options_.lab->solver, options_.lab->steps, options_.lab->tolerance);
  }
  ui_.compare = options_.compare;
  ui_.compareMethods = !options_.compareMethods.empty();
}

App::~App() = default;

double App::now() const { return seconds(Clock::now() - start_); }

int App::run() {
  // Software GL (llvmpipe) and the per-frame vertex uploads allocate and free the same large
  // blocks every frame; keeping them in the heap instead of mmap/munmap saves ~15% of a frame.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  std::shared_ptr<const core::Target> target;
  try {
    // Outputs fail now, not after minutes of frames: a missing or read-only folder, a folder.
    for (const std::string& out : {options_.screenshot, options_.perfReport, options_.save})
      if (!out.empty()) core::checkWritable(out);
    target = makeTarget(options_);
  } catch (const std::exception& e) {
    std::cerr << "flowlab: " << e.what() << "\n";
    return 1;
  }
  if (!options_.perfReport.empty() && options_.baselineSeconds > 0.0) {
    std::cerr << "flowlab: measuring headless training speed for " << options_.baselineSeconds
              << " s...\n";
    baselineStepsPerSecond_ =
        measureStepsPerSecond(options_.config, target, options_.baselineSeconds);
  }
  std::string error;
  window_ = Window::open(options_.width, options_.height, "flowlab", options_.vsync, error);
  if (!window_) {
    std::cerr
        << "flowlab: " << error
        << "; the desktop app needs a display (for the headless command line: flowlab --help)\n";
    return 1;
  }
  try {
    canvasQuad_ = std::make_unique<render::CanvasQuad>();
    panels_ = std::make_unique<render::PanelCache>(
        std::vector<std::string>{"controls", "charts", "timeline", "status"});
  } catch (const std::exception& e) {
    std::cerr << "flowlab: " << e.what() << "\n";
    return 1;
  }
  // A session to open: the default model waits paused instead of training meanwhile.
  trainer_ = std::make_unique<core::Trainer>(
      options_.config, target,
      options_.startPaused || core::endsWith(options_.open, core::kSessionExtension));
  worker_ = std::make_unique<core::ViewWorker>(
      [this] {
        std::lock_guard lock(historyMutex_);
        return historic_ ? historic_ : trainer_->snapshot();
      },
      core::ViewWorker::Options{},
      [this] {
        const auto r = race();
        return r ? r->snapshots() : std::vector<std::shared_ptr<const core::Snapshot>>{};
      });
  raster_ = std::make_unique<RasterWorker>();
  targets_ = std::make_unique<TargetEditor>([this](std::shared_ptr<const core::Target> next) {
    if (const auto r = race()) r->setTarget(next);
    trainer_->setTarget(std::move(next));
  });
  targets_->setTarget(target, !options_.targetPoints.empty()  ? "points"
                              : !options_.targetImage.empty() ? "image"
                                                              : options_.targetName);
  if (!options_.compareMethods.empty()) startRace({options_.compareMethods, 0});
  if (options_.frames == 0 || !options_.stateDir.empty()) {
    state_ = std::make_unique<StateDirectory>(options_.stateDir);
    if (const auto recovery = state_->openRun()) {
      ui_.recoveryPath = recovery->path;
      ui_.recoveryWritten = recovery->writtenAt;
    }
    ui_.recentFiles = state_->recentFiles();
  }
  if (!options_.open.empty()) openFile(options_.open);
  start_ = Clock::now();
  closeOnSignals();
  while (!window_->shouldClose() && !exitRequested_ && !closeSignal) frame();
  return finish();
}

void App::apply(const Commands& c) {
  if (c.pause) trainer_->setPaused(*c.pause);
  if (c.steps > 0) {
    trainer_->setPaused(true);
    trainer_->stepOnce(c.steps);
  }
  if (c.reset) trainer_->reset();
  if (c.config) trainer_->submit(*c.config);
  if (!c.preset.empty()) {
    targets_->loadPreset(c.preset);
    ui_.fitPending = true;
  }
  if (c.clearPainting) targets_->clearPainting();
  if (c.race) startRace(*c.race);
  if (c.pauseRace)
    if (const auto r = race()) r->setPaused(*c.pauseRace);
  if (c.image) {
    const std::string error = targets_->importImage(c.image->path, c.image->invert);
    ui_.importMessage = error.empty() ? "loaded" : error;
    if (error.empty()) ui_.fitPending = true;
  }
}

void App::startRace(const Commands::Race& wanted) {
  std::shared_ptr<core::MethodRace> next;
  if (!wanted.methods.empty()) {
    core::ComparisonPlan plan;
    plan.methods = wanted.methods;
    plan.steps = wanted.steps;
    plan.seed = ui_.running.seed;
    try {
      next = std::make_shared<core::MethodRace>(plan, targets_->target());
    } catch (const std::exception& e) {
      ui_.toast = std::string("cannot train side by side: ") + e.what();
      ui_.toastUntil = now() + 6.0;
      return;
    }
  }
  const bool wasRacing = race() != nullptr;
  if (next && !wasRacing) {
    resumeAfterRace_ = !trainer_->paused();
    trainer_->setPaused(true);  // the race has the cores
  } else if (!next && wasRacing && resumeAfterRace_) {
    trainer_->setPaused(false);
  }
  std::shared_ptr<core::MethodRace> old;
  {
    std::lock_guard lock(raceMutex_);
    old = std::exchange(race_, std::move(next));
    ++raceId_;
  }
  // `old` stops and joins its trainers here, unless the view worker still holds it.
}

std::shared_ptr<core::MethodRace> App::race() const {
  std::lock_guard lock(raceMutex_);
  return race_;
}

void App::followHistory() {
  std::shared_ptr<const core::Snapshot> wanted;
  if (ui_.historyStep >= 0 && snapshot_ && snapshot_->history && snapshot_->model) {
    const core::HistoryEntry* entry = nullptr;
    for (const core::HistoryEntry& e : *snapshot_->history)
      if (e.totalSteps <= ui_.historyStep) entry = &e;
    if (entry) {
      std::lock_guard lock(historyMutex_);
      const std::uint64_t version = core::kHistoryVersions + std::uint64_t(entry->totalSteps);
      if (historic_ && historic_->version == version) return;  // already shown
      wanted = core::historicalSnapshot(*snapshot_, *entry);
    }
  }
  if (!wanted) ui_.historyStep = -1;  // a new model, or nothing kept: live
  std::lock_guard lock(historyMutex_);
  historic_ = std::move(wanted);
}

int App::labLastStep() const {
  return ui_.lab.lastStep(view_ ? view_->lab.get() : nullptr, ui_.timeline.direction, ui_.view);
}

double App::labT() const {
  return labTime(ui_.lab, view_ ? view_->lab.get() : nullptr, ui_.timeline.direction, ui_.view);
}

std::uint64_t App::requestCanvasImage(bool continuous, double t) {
  core::CanvasRequest r;
  r.frame = view_;
  r.t = t;
  if (ui_.lab.on && continuous && view_->lab) {
    r.lab = view_->lab;  // the newest solve, until the one asked for is done
    r.labStep = ui_.lab.step;
    if (!view_->lab->run.ledger.empty()) r.labMarked = ui_.lab.ledgerParticle();
  }
  if (ui_.showsPanels(continuous) && view_->compare) {
    r.compare = view_->compare;
    r.couplings = ui_.compareCouplings;
    r.crossingPaths = ui_.compareCrossings;
  }
  r.direction = ui_.timeline.direction;
  r.continuous = continuous;
  r.box = ui_.camera.visibleBox();
  r.pixelScale = window_->framebufferScaleX();
  r.width = static_cast<int>(std::lround(ui_.camera.viewportWidth() * r.pixelScale));
  r.height =
      static_cast<int>(std::lround(ui_.camera.viewportHeight() * window_->framebufferScaleY()));
  r.view = ui_.view;
  return raster_->request(std::move(r));
}

void App::frame() {
  const auto frameStart = Clock::now();
  if (frameIndex_ == 0) firstFrameStart_ = frameStart;
  lastFrameStart_ = frameStart;
  window_->beginFrame();
  snapshot_ = trainer_->snapshot();
  runScriptedScrub();
  followHistory();
  view_ = worker_->frame();
  const bool continuous =
      view_->snapshot ? view_->continuous : core::isContinuous(ui_.running.method);

  const ImGuiIO& io = ImGui::GetIO();
  const int tableRows = ui_.showsPanels(continuous) && ui_.compareMethods && view_->compare
                            ? static_cast<int>(view_->compare->panels.size())
                            : 0;
  layout_ = panels::computeLayout(io.DisplaySize.x, io.DisplaySize.y, tableRows);
  ui_.camera.setViewport(layout_.canvasX, layout_.canvasY, layout_.canvasW, layout_.canvasH);
  if (ui_.fitPending && targets_->target()) {
    core::Box b = targets_->target()->bounds();
    b = {std::min(b.x0, -3.0), std::min(b.y0, -3.0), std::max(b.x1, 3.0), std::max(b.y1, 3.0)};
    ui_.camera.fit(b, 0.02);
    ui_.fitPending = false;
  }
  // One clock for the animation: every frame's start time, so t moves by speed × elapsed. The
  // solver lab moves by solver steps instead (the animation keeps its place meanwhile).
  const bool lab = ui_.lab.on && continuous;
  ui_.timeline.tick(seconds(frameStart - start_), continuous && !lab);
  if (lab) ui_.lab.tick(seconds(frameStart - start_), labLastStep());
  if (lab) {
    runScriptedLabSteps();
    // A lab entered before the model trained (e.g. --lab) takes the newest model once it has.
    const core::SolverLabLayer* held = view_->lab.get();
    if (held && held->totalSteps < kLabUntrainedSteps && snapshot_ &&
        snapshot_->totalSteps >= kLabUntrainedSteps && held->request.epoch == ui_.lab.epoch)
      ui_.lab.takeNewestModel();
  }
  const double tShown = lab ? labT() : continuous ? ui_.timeline.t : 1.0;
  // Painted on the raster thread while this thread builds the panels.
  const std::uint64_t canvasImage = requestCanvasImage(continuous, tShown);
  runScriptedPaint();
  targets_->poll(now());

  Commands commands;
  FrameContext ctx{commands, trainer_->paused(),   targets_->label(), snapshot_,
                   view_,    measurement_.frames()};
  if (const auto r = race()) {
    ctx.race = r->snapshots();
    ctx.racePaused = r->paused();
  }
  ctx.now = now();
  ctx.t = tShown;
  if (view_->particles) ctx.dataAge = seconds(Clock::now() - view_->particles->stamp.seen);
  ctx.densityLo = canvasQuad_->densityLo();
  ctx.densityHi = canvasQuad_->densityHi();
  ctx.divergenceScale = canvasQuad_->divergenceScale();

  panels::controlPanel(layout_, ctx, ui_);
  panels::chartsPanel(layout_, ctx, ui_);
  panels::timelineBar(layout_, ctx, ui_);
  panels::statusBar(layout_, ctx, ui_);
  panels::helpWindow(ui_);
  handleShortcuts(commands);
  handleCanvasInput();
  panels::canvasOverlay(layout_, ctx, ui_);
  panels::compareOverlay(layout_, ctx, ui_);
  panels::methodTable(layout_, ctx, ui_);
  panels::fileDialog(ctx, ui_);
  panels::bannerWindow(layout_, ctx, ui_);
  // The race lives while its panels are on: leaving them (C, the stages, the lab) ends it.
  if (!ctx.race.empty() && !(ui_.compare && ui_.compareMethods) && !commands.race)
    commands.race = Commands::Race{};
  apply(commands);
  applyFileCommands(commands);
  pollSessions();

  request_ = viewRequest(ui_.view, ui_.timeline, ui_.camera.visibleBox(), continuous);
  if (ui_.lab.on && continuous)
    applySolverLab(request_, ui_.lab, ui_.view, ui_.timeline.direction, labT());
  else if (ui_.showsPanels(continuous))
    applyCompare(request_, ui_.view, ui_.compareMethods ? raceId_ : 0);
  worker_->setRequest(request_);
  canvasQuad_->update(view_, ui_.view);
  const bool done = headlessDone();
  // The screenshot shows this frame's particles; otherwise the newest image painted so far.
  if (done && !options_.screenshot.empty()) raster_->waitFor(canvasImage, std::chrono::seconds(2));
  const auto drawn = raster_->latest();
  canvasQuad_->updateImage(drawn);
  drawnLabStep_ = drawn ? drawn->labStep : -1;
  drawnModelVersion_ = drawn ? drawn->modelVersion : 0;
  drawnComplete_ = drawn && drawn->complete;

  // The fixed panels from their offscreen copy, the canvas, then the rest of ImGui over them.
  // No clear: between them the panels' copy and the canvas cover every pixel.
  ImDrawData* imgui = window_->endImGuiFrame();
  const int fbWidth = window_->framebufferWidth(), fbHeight = window_->framebufferHeight();
  const float sx = window_->framebufferScaleX(), sy = window_->framebufferScaleY();
  static constexpr float kPanelBackground[3] = {0.105f, 0.11f, 0.13f};  // ImGuiCol_WindowBg
  panels_->drawPanels(*imgui, fbWidth, fbHeight,
                      render::CanvasQuad::viewport(ui_.camera, sx, sy, fbHeight), kPanelBackground);
  canvasQuad_->draw(ui_.camera, sx, sy, fbHeight);
  glViewport(0, 0, fbWidth, fbHeight);
  panels_->drawRest(*imgui);

  if (!ui_.screenshotPath.empty()) {
    takeScreenshot(ui_.screenshotPath, ui_.screenshotCanvasOnly);
    ui_.screenshotPath.clear();
  }
  if (done && !options_.screenshot.empty())
    takeScreenshot(options_.screenshot, options_.canvasOnly);
  window_->present();
  noteLabStepShown();
  noteHistoryShown();
  yieldToHistory();
  if (done) exitRequested_ = true;

  if (frameIndex_ % 15 == 0) updateTitle();
  // Pacing: without vsync (Xvfb, benchmarks) cap the frame rate so drawing leaves CPU to training.
  if (options_.maxFps > 0.0) {
    const auto due = frameStart + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(1.0 / options_.maxFps));
    std::this_thread::sleep_until(due);
  }
  bool training = snapshot_ && snapshot_->status == core::TrainerStatus::Running;
  for (const auto& s : ctx.race) training = training || s->status == core::TrainerStatus::Running;
  const int panels =
      ui_.compare && view_->compare ? static_cast<int>(view_->compare->panels.size()) : 0;
  measurement_.showing(panels, training);
  measurement_.frameEnded(frameIndex_, frameStart, snapshot_ ? snapshot_->totalSteps : 0,
                          view_->version,
                          painting_ || targets_->painting() || targets_->waitingForRaster());
  ++frameIndex_;
}

void App::runScriptedLabSteps() {
  if (!options_.lab || options_.frames <= 0) return;
  if (frameIndex_ % AppOptions::kLabStepFrames != AppOptions::kLabStepFrames - 1) return;
  if (!ui_.lab.shows(view_->lab.get(), ui_.timeline.direction, ui_.view)) return;
  const int last = labLastStep();
  if (ui_.lab.step >= last)
    ui_.lab.reset();
  else
    ui_.lab.forward(last);
}

void App::runScriptedScrub() {
  if (!options_.scrub || frameIndex_ % AppOptions::kScrubFrames != AppOptions::kScrubFrames - 1)
    return;
  const auto history = snapshot_ ? snapshot_->history : nullptr;
  if (!history || history->size() < 2) return;
  if (ui_.historyStep >= 0) {
    ui_.historyStep = -1;  // back to live
    return;
  }
  // Back to each kept step in turn, from the newest half down.
  const std::size_t n = history->size();
  const std::size_t pick = n - 1 - (static_cast<std::size_t>(scrubMoves_++) % ((n + 1) / 2));
  ui_.historyStep = (*history)[pick].totalSteps;
}

void App::noteHistoryShown() {
  if (ui_.historyStep != historyAsked_) {
    historyAsked_ = ui_.historyStep;
    historyAskedAt_ = lastFrameStart_;
    historyPending_ = ui_.historyStep >= 0;
  }
  if (!historyPending_) return;
  std::uint64_t wanted = 0;
  {
    std::lock_guard lock(historyMutex_);
    if (historic_) wanted = historic_->version;
  }
  if (wanted != 0 && drawnModelVersion_ == wanted && drawnComplete_) {
    measurement_.historyShown(seconds(Clock::now() - historyAskedAt_));
    historyPending_ = false;
  }
}

// While the picture of a past model is on its way (for at most a second), training leaves the
// cores to the view worker; it resumes as soon as the picture is on screen.
void App::yieldToHistory() {
  constexpr auto kHold = std::chrono::milliseconds(100);
  constexpr auto kLongest = std::chrono::seconds(1);
  const bool waiting = historyPending_ && lastFrameStart_ - historyAskedAt_ < kLongest;
  if (waiting) {
    trainer_->yieldUntil(Clock::now() + kHold);
    yielding_ = true;
  } else if (yielding_) {
    trainer_->yieldUntil({});
    yielding_ = false;
  }
}

void App::noteLabStepShown() {
  if (!ui_.lab.on) {
    labStepPending_ = false;
    labStepAsked_ = -1;
    return;
  }
  const auto shownAt = Clock::now();
  const bool solved = ui_.lab.shows(view_->lab.get(), ui_.timeline.direction, ui_.view);
  if (ui_.lab.step != labStepAsked_) {  // asked for this frame (a key, a button, running)
    labStepAsked_ = ui_.lab.step;
    labStepAskedAt_ = lastFrameStart_;
    // A step through a solve already there; the first picture of a new solve is a computation.
    labStepPending_ = solved;
  }
  if (labStepPending_ && drawnLabStep_ == labStepAsked_ && solved) {
    measurement_.labStepShown(seconds(shownAt - labStepAskedAt_));
    labStepPending_ = false;
  }
}

bool App::headlessDone() {
  if (options_.frames <= 0 || frameIndex_ + 1 < options_.frames) return false;
  if (options_.screenshot.empty()) return true;
  if (!waitStart_) {
    waitStart_ = Clock::now();
    versionAtEnd_ = snapshot_ ? snapshot_->version : 0;
    // The picture of frame N: the animation stops at its t while the layers catch up.
    ui_.timeline.playing = false;
    animationT_ = ui_.timeline.t;
    animationSeconds_ = seconds(lastFrameStart_ - firstFrameStart_);
  }
  // The picture a person would see after waiting: every layer computed for the final request
  // (the animation stopped at frame N's t) from the weights of frame N or later (the same ones
  // when training is paused).
  // A session being opened comes first (read, then applied by the trainer).
  const bool opening =
      open_ ||
      (snapshot_ && snapshot_->status != core::TrainerStatus::Error &&
       (snapshot_->resets < openedResets_ || snapshot_->status == core::TrainerStatus::Preparing));
  if (opening) versionAtEnd_ = snapshot_ ? snapshot_->version : 0;
  const bool current = !opening && view_->hasAllLayers() && view_->request == request_ &&
                       view_->modelVersion >= versionAtEnd_;
  if (current) return true;
  if (seconds(Clock::now() - *waitStart_) < options_.waitSeconds) return false;
  std::cerr << "flowlab: some layers were still being computed after " << options_.waitSeconds
            << " s; taking the screenshot anyway\n";
  return true;
}

void App::takeScreenshot(const std::string& path, bool canvasOnly) {
  // The canvas as painted, without the text drawn over it; or the whole window as shown.
  std::string error;
  if (canvasOnly) {
    const auto image = raster_->latest();
    error = image && !image->empty ? core::writePng(path, core::toRgba(image->image))
                                   : "no canvas image to save yet";
  } else {
    error = saveScreenshot(path, 0, 0, window_->framebufferWidth(), window_->framebufferHeight(),
                           window_->framebufferHeight());
  }
  std::error_code ec;
  const std::string where = std::filesystem::absolute(path, ec).string();
  if (error.empty()) {
    ui_.toast = "saved " + where;
    std::cerr << "flowlab: saved " << (canvasOnly ? "the canvas" : "the window")
              << " at t = " << (view_ && view_->continuous ? ui_.timeline.t : 1.0) << " to "
              << where << "\n";
  } else {
    ui_.toast = error;
    std::cerr << "flowlab: " << error << "\n";
    exitCode_ = 1;
  }
  ui_.toastUntil = now() + 6.0;
}

void App::updateTitle() {
  char title[256];
  const core::Snapshot* s = snapshot_.get();
  std::snprintf(title, sizeof title, "flowlab - %s on %s - step %ld, %s (F1: help)",
                std::string(core::methodName(ui_.running.method)).c_str(),
                targets_->label().c_str(), s ? s->totalSteps : 0L,
                s ? core::statusName(s->status) : "starting");
  window_->setTitle(title);
}

int App::finish() {
  saveOnExit();
  if (!options_.perfReport.empty()) {
    PerfReport r;
    r.width = options_.width;
    r.height = options_.height;
    r.particles = ui_.view.particles ? ui_.view.particleCount : 0;
    r.heatmapWidth = r.heatmapHeight = ui_.view.density ? ui_.view.heatmapSize : 0;
    for (const std::string& name : options_.show) r.layers += (r.layers.empty() ? "" : ",") + name;
    if (r.layers.empty()) r.layers = "default";
    r.method = std::string(core::methodName(ui_.running.method));
    r.target = targets_ ? targets_->label() : "";
    r.simd = std::string(core::kernelSetName(core::activeKernelSet()));
    r.animationT = animationT_;
    r.animationSeconds = animationSeconds_;
    r.animationSpeed = ui_.timeline.speed;
    r.densityT = view_ && view_->density ? view_->density->grid.t : NAN;
    r.fieldT = view_ && view_->field ? view_->field->t : NAN;
    r.baselineStepsPerSecond = baselineStepsPerSecond_;
    r.maxFps = options_.maxFps;
    r.viewWorkerBusy = view_ ? view_->busyFraction : 0.0;
    const auto s = trainer_ ? trainer_->snapshot() : nullptr;
    measurement_.fill(r, s ? s->totalSteps : 0, view_ ? view_->version : 0);
    const std::string json = toJson(r);
    std::ofstream out(options_.perfReport);
    out << json;
    if (!out) {
      std::cerr << "flowlab: cannot write " << options_.perfReport << "\n";
      exitCode_ = 1;
    }
    std::cout << json;
  }
  return exitCode_;
}

}  // namespace flowlab::app
