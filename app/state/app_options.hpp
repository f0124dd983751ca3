// The desktop app's command line: `flowlab [options]` (no subcommand). GL-free, so tests reach it.
// Parsed and validated like the CLI: any problem is a core::UsageError naming the option.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/trainer_config.hpp"
#include "core/render/view_settings.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::app {

// A scripted brush stroke for headless runs: a blob painted at (x, y) with the given radius,
// starting at frame `frame`, as a person would by dragging the mouse in small circles.
struct ScriptedPaint {
  double x = 0.0, y = 0.0, radius = 0.6;
  long frame = 30;
};

struct AppOptions {
  core::TrainerConfig config;  // --method, --lr, --batch, --hidden, --layers, --activation, …
  std::string targetName = "moons";  // --target NAME
  std::string targetImage;           // --target-image FILE (wins over targetName when set)
  std::string targetPoints;          // --target-points FILE (.csv x,y or .npy N x 2): a KDE
  bool invertImage = false;          // --invert
  bool startPaused = false;          // --paused: training starts paused

  int width = 1280, height = 800;  // --width W --height H (window, in screen pixels)
  long frames = 0;                 // --frames N: render N frames, then exit (0: interactive)
  std::string screenshot;          // --screenshot FILE.png: written after the last frame
  bool canvasOnly = false;         // --canvas-only: the screenshot holds the canvas only
  std::string perfReport;          // --perf-report FILE.json: frame and training timings
  double baselineSeconds = 4.0;    // --baseline-seconds S: headless training before the window
  double maxFps = 60.0;            // --max-fps F: frame cap (0: uncapped)
  bool vsync = true;               // off with --frames (benchmark/headless runs)
  double waitSeconds = 30.0;       // --wait S: longest wait for layers before the screenshot

  int particles = 20000;               // --particles N
  double t = -1.0;                     // --t T: initial time (−1: start the animation at 0)
  bool still = false;                  // --still: animation paused
  std::vector<std::string> show;       // --show a,b,c: the layers on (empty: the defaults)
  std::optional<ScriptedPaint> paint;  // --paint X Y R [--paint-frame F]
  // --lab SOLVER,N (dopri5: --lab dopri5,TOL): start in the solver lab. Headless runs step it
  // every kLabStepFrames frames (back to the start after the last step) and measure how soon
  // each step is on screen.
  struct Lab {
    core::Solver solver = core::Solver::RK4;
    int steps = 4;
    double tolerance = 1e-3;
  };
  std::optional<Lab> lab;
  bool compare = false;  // --compare: start with the model's stages side by side
  // --compare-methods LIST: start training these methods side by side, shown as panels.
  std::vector<core::Method> compareMethods;
  // --scrub (with --frames): every kScrubFrames frames, go back to a kept step of the training
  // history or return to live, in turn (--perf-report times each move back).
  bool scrub = false;
  // --open FILE: a session to open at start, or a picture or points to train on (by extension).
  std::string open;
  // --state-dir DIR: where the recovery file, the recent files and the last folder live (default
  // $XDG_STATE_HOME/flowlab or ~/.local/state/flowlab; headless runs with --frames use none
  // unless given). --autosave-seconds S: autosave after S seconds of changes (default 60).
  std::string stateDir;
  double autosaveSeconds = 60.0;
  std::string save;  // --save FILE.flowlab (with --frames): the session after the last frame
  static constexpr long kScrubFrames = 60;
  static constexpr int kLabStepFrames = 20;
};

// The app's starting configuration for a method: core::defaultConfig with a constant learning
// rate and open-ended training.
core::TrainerConfig liveConfig(core::Method method);

// What the app opens (--open, the file dialog, a drop): a session (.flowlab), a picture (.png,
// .jpg, .jpeg) or points (.csv, .npy) to train on.
const std::vector<std::string>& openableExtensions();
bool isOpenable(const std::string& path);

// Every option name the app accepts, for messages and tests.
const std::vector<std::string>& appOptionNames();

// Parses argv[1..argc). Throws core::UsageError with a one-line message on any problem.
AppOptions parseAppOptions(int argc, char** argv);

// The target the options name (built-in or image). Throws core::UsageError / runtime_error.
std::shared_ptr<const core::Target> makeTarget(const AppOptions& options);

}  // namespace flowlab::app
