// Folder app/: the desktop app (window, frame loop, input) over its subfolders: state/ (GL-free
// UI state, options, timeline, commands), target/ (painting and editing the target), canvas/
// (the CPU raster of every layer, on its own thread), render/ and gl/ (OpenGL), panels/ (ImGui).
//
// The desktop app: opens the window, starts the trainer and the view worker, and runs the frame
// loop (panels, canvas input, drawing) until the window closes or the --frames budget is spent.
// UI thread only.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>

#include "app/canvas/raster_worker.hpp"
#include "app/panels/panels.hpp"
#include "app/state/app_options.hpp"
#include "app/state/commands.hpp"
#include "app/state/inspector.hpp"
#include "app/state/perf_stats.hpp"
#include "app/state/run_measurement.hpp"
#include "app/state/state_directory.hpp"
#include "app/state/thread_cpu.hpp"
#include "app/state/ui_state.hpp"
#include "core/compare/method_race.hpp"
#include "core/io/session_io.hpp"

namespace flowlab::app {

class Window;
namespace render {
class CanvasQuad;
class PanelCache;
}  // namespace render

class App {
 public:
  explicit App(AppOptions options);
  ~App();
  // Runs to completion; returns the process exit code (errors are one line on stderr).
  int run();

 private:
  void frame();
  void handleShortcuts(Commands& commands);
  // The solver lab's keys (→ ← Space Home End); true when one was pressed.
  bool handleSolverLabKeys();
  // The last step of the lab's solve on screen, and the flow time of the step shown.
  // Gives the view worker the model as of ui_.historyStep (or the newest, when live).
  void followHistory();
  int labLastStep() const;
  double labT() const;
  void apply(const Commands& commands);  // what the panels and keys asked for
  // Starts training `race` side by side (the model's own training pauses); an empty one ends
  // the race and resumes it. A refused plan is said in ui_.toast.
  void startRace(const Commands::Race& race);
  std::shared_ptr<core::MethodRace> race() const;
  void handleCanvasInput();
  void runScriptedPaint();
  // Headless runs with --lab: a step every kLabStepFrames frames once the solve is there.
  void runScriptedLabSteps();
  // When the step asked for reaches the screen, how long it took (for the measurement).
  void noteLabStepShown();
  // --scrub: back to a kept step or live, in turn; and when a past model reached the screen.
  void runScriptedScrub();
  void noteHistoryShown();
  void yieldToHistory();
  std::uint64_t requestCanvasImage(bool continuous, double t);
  void takeScreenshot(const std::string& path, bool canvasOnly);
  void updateTitle();
  double now() const;
  bool headlessDone();

  // Sessions (app_sessions.cpp). Saving takes the trainer's record between steps and writes on
  // a helper thread; opening reads on a helper thread: the UI never waits for either.
  void startSave(const std::string& path, bool autosave);
  void openFile(const std::string& path);  // a session, or a picture or points, by extension
  void startOpen(const std::string& path, bool recovery);
  void pollSessions();  // once a frame: finishes saves and opens, autosaves when due
  void finishOpen(core::Session session, const std::string& path, bool recovery);
  void autosaveIfDue();
  // The session to `path` now, waiting for the trainer (at exit only): "" or the error.
  std::string saveNow(const std::string& path);
  void saveOnExit();  // --save's file and the recovery file; then closes the run
  void applyFileCommands(const Commands& c);
  // Writes what is on screen (commands.hpp's exportWhat) on a helper thread.
  void startExport(const std::string& what, bool npy);
  int finish();

  AppOptions options_;
  std::unique_ptr<Window> window_;
  std::unique_ptr<core::Trainer> trainer_;
  // Looking back through training: the snapshot the view worker is given instead of the newest
  // (null: live). Read by the worker's thread, so under its own lock; declared before worker_,
  // so it outlives it.
  mutable std::mutex historyMutex_;
  std::shared_ptr<const core::Snapshot> historic_;
  // The methods trained side by side (null: none), with an id per race; read by the view
  // worker's thread, so under its own lock, and declared before worker_ to outlive it.
  mutable std::mutex raceMutex_;
  std::shared_ptr<core::MethodRace> race_;
  std::uint64_t raceId_ = 0;
  bool resumeAfterRace_ = false;  // the model's own training ran when the race began
  std::unique_ptr<core::ViewWorker> worker_;
  std::unique_ptr<RasterWorker> raster_;
  std::unique_ptr<TargetEditor> targets_;
  std::unique_ptr<render::CanvasQuad> canvasQuad_;
  std::unique_ptr<render::PanelCache> panels_;
  UiState ui_;
  Inspector inspector_;
  std::shared_ptr<const core::Snapshot> snapshot_;
  std::shared_ptr<const core::ViewFrame> view_;
  core::ViewRequest request_;  // the request sent to the view worker this frame
  panels::Layout layout_{};

  std::chrono::steady_clock::time_point start_;
  long frameIndex_ = 0;
  double lastTitle_ = -1.0;
  bool dragging_ = false;
  bool painting_ = false;
  bool exitRequested_ = false;
  int exitCode_ = 0;

  // Headless runs (--frames): the measurement, and waiting for layers before a screenshot.
  RunMeasurement measurement_;
  double baselineStepsPerSecond_ = 0.0;
  std::optional<std::chrono::steady_clock::time_point> waitStart_;
  std::uint64_t versionAtEnd_ = 0;  // snapshot version when the last frame was reached
  std::chrono::steady_clock::time_point firstFrameStart_{}, lastFrameStart_{};
  double animationT_ = 0.0, animationSeconds_ = 0.0;  // at the last frame
  // The solver-lab step last asked for and since when (to time it to the screen).
  int labStepAsked_ = -1;
  std::chrono::steady_clock::time_point labStepAskedAt_{};
  bool labStepPending_ = false;
  int drawnLabStep_ = -1;  // the lab step of the canvas image drawn this frame
  // The canvas image drawn this frame: its model layers' snapshot version, all layers there.
  std::uint64_t drawnModelVersion_ = 0;
  bool drawnComplete_ = false;
  long historyAsked_ = -1;  // ui_.historyStep when last seen
  std::chrono::steady_clock::time_point historyAskedAt_{};
  bool historyPending_ = false;
  bool yielding_ = false;  // training sleeps while a past model is drawn

  std::unique_ptr<StateDirectory> state_;  // null: no recovery file, recent files or last folder
  struct SaveJob {
    std::string path;
    bool autosave = false;
    std::future<core::TrainerRecord> record;
    std::string view;
    std::shared_ptr<const core::Target> target;
    std::future<std::string> written;  // "" or the error
  };
  std::optional<SaveJob> save_;
  struct OpenJob {
    std::string path;
    bool recovery = false;
    std::future<core::Session> session;
  };
  std::optional<OpenJob> open_;
  std::future<std::string> exporting_;  // "" or the error
  std::string exportPath_;
  // Autosave: the state last saved (steps, target edits, view) and when a change was first seen.
  long savedSteps_ = 0;
  long savedSubmissions_ = 0;
  std::string savedView_;
  double changedSince_ = -1.0, lastChangeCheck_ = -1.0;
  // An opened session is on screen once the trainer has applied it (its reset count reaches
  // this); headless runs wait for it before their screenshot.
  std::uint64_t openedResets_ = 0;
  long scrubMoves_ = 0;
};

}  // namespace flowlab::app
