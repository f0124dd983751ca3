// Folder state/: the app's GL-free state and logic, testable without a window (options, camera,
// timeline, view settings and request, commands, inspector, chart data, measurement).
//
// Everything the panels edit and the canvas reads, in one place. UI thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/state/camera2d.hpp"
#include "app/state/commands.hpp"
#include "app/state/file_browser.hpp"
#include "app/state/inspector.hpp"
#include "app/state/perf_stats.hpp"
#include "app/state/solver_lab.hpp"
#include "app/state/timeline.hpp"
#include "app/target/painted_density.hpp"
#include "app/target/target_editor.hpp"
#include "core/render/view_settings.hpp"
#include "core/training/trainer.hpp"
#include "core/view/view_worker.hpp"

namespace flowlab::app {

struct UiState {
  core::TrainerConfig running;  // the config the trainer was last given
  core::TrainerConfig editing;  // the controls; differs from `running` by changes that need a reset
  std::string editMessage;      // why the last committed value was refused ("" when none)

  core::ViewSettings view;
  Timeline timeline;
  SolverLab lab;          // on: the canvas shows solver steps instead of continuous t
  long historyStep = -1;  // looking back: the canvas shows the model at this total step (−1: live)
  bool compare = false;   // the canvas shows every stage of the model side by side
  bool compareMethods = false;  // ... or of every method trained side by side (the race)
  // The methods ticked for the race, and its steps per stage (0: each method's own).
  std::vector<core::Method> raceMethods{core::Method::FlowMatching, core::Method::OtCfm,
                                        core::Method::RectifiedFlow, core::Method::Cnf};
  long raceSteps = 0;
  bool compareCouplings = true;   // ... with the pairs each stage trained on
  bool compareCrossings = false;  // ... and the paths that cross another in red
  Camera2d camera;
  bool fitPending = true;  // fit the view to the target on the next frame

  BrushSettings brush;
  bool brushOn = false;  // left-drag paints instead of panning
  std::string importPath;
  bool importInvert = false;
  std::string importMessage;

  long stepCount = 100;         // for "Step N"
  float lossSmoothing = 0.98f;  // EMA weight of the smoothed loss curve
  bool showHelp = false;
  bool showPerf = true;
  bool confirmReset = false;  // the reset confirmation is open

  // Screenshot requested by a shortcut or button ("" when none); taken after drawing.
  std::string screenshotPath;
  bool screenshotCanvasOnly = true;
  std::string toast;  // a short message shown over the canvas (e.g. "saved …")
  double toastUntil = 0.0;

  // Whether the canvas shows panels side by side: the stages need a model with a velocity field
  // (the race's methods do not).
  bool showsPanels(bool continuous) const {
    return compare && !lab.on && (compareMethods || continuous);
  }

  // Sessions: the file last saved to or opened ("" before), the recent files (newest first), the
  // file dialog, a message that stays until dismissed (a file that could not be opened or
  // saved), and after a crash the recovery file on offer with when it was written.
  std::string sessionPath;
  std::vector<std::string> recentFiles;
  FileBrowser browser;
  std::string banner;
  std::string recoveryPath, recoveryWritten;
  bool saving = false, opening = false;  // a save or an open is in flight
  bool exportNpy = true;                 // exports as .npy (else .csv)

  Probe probe;  // under the cursor, when it is over the canvas
  bool probeOn = false;
  bool pointerOn = true;  // a person's pointer is there (false in headless runs)
};

// What the panels see of the running app this frame, and where they record what the user asked
// for (App applies it afterwards).
struct FrameContext {
  Commands& commands;
  bool trainingPaused = false;
  std::string targetLabel;  // what the trainer trains on: a preset's name, "painted", "image"
  std::shared_ptr<const core::Snapshot> snapshot;  // newest (may be null at start-up)
  std::shared_ptr<const core::ViewFrame> view;     // newest (never null)
  const FrameStats& frames;
  double now = 0.0;      // seconds since start
  double t = 1.0;        // the flow time on screen (the animation's, or the solver lab's step)
  double dataAge = 0.0;  // seconds since the drawn particles' snapshot was seen
  float densityLo = 0.0f, densityHi = 0.0f, divergenceScale = 1.0f;
  // The methods trained side by side: each one's newest snapshot (empty: no race).
  std::vector<std::shared_ptr<const core::Snapshot>> race{};
  bool racePaused = false;
};

}  // namespace flowlab::app
