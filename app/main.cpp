// flowlab's entry point: a subcommand runs the headless CLI; no subcommand opens the desktop app.
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "app/app.hpp"
#include "app/state/app_options.hpp"
#include "core/cli/args.hpp"
#include "core/cli/cli.hpp"
#include "core/nn/kernel_set.hpp"

namespace {

constexpr const char* kAppUsage =
    R"(usage: flowlab [options]            open the desktop app (needs a display)

  --target NAME | --target-image FILE [--invert]   what to train on (default moons)
  --target-points FILE   ... or points (.csv with header x,y, or an N x 2 .npy) as a density
  --method M             fm | otcfm | rf | cnf | rkl | realnvp (default fm)
  --lr X  --batch B  --hidden W  --layers L  --activation A  --seed S  --reflow K  --steps N
  --paused               start with training paused
  --width W --height H   window size (default 1280 x 800)
  --particles N          particles drawn (default 20000)
  --show a,b,...         layers on: particles, paths, field (arrows), streamlines, density,
                         divergence, grid, target, target-density; none: no layer (profiling)
                         (default: particles, paths, field, density, target)
  --t T  --still         start the animation at time T / paused
  --open FILE            open a session (.flowlab), or train on a picture or points
  --state-dir DIR        where the recovery file and recent files live (default
                         $XDG_STATE_HOME/flowlab or ~/.local/state/flowlab)
  --autosave-seconds S   autosave the experiment to the recovery file after S seconds of
                         changes (default 60), and on exit

Sessions: Ctrl+S saves the whole experiment (target, every stage's model, optimiser, charts,
view) to one .flowlab file, Ctrl+Shift+S saves as, Ctrl+O opens; or drop a file on the window.
After a crash or a kill, the next start offers the experiment as it was last autosaved.

Headless runs (tests, benchmarks; under Xvfb for example):
  --frames N             render N frames, then exit (vsync off)
  --screenshot FILE.png  after the last frame (waits up to --wait S for every layer), the window
  --canvas-only          ... or only the canvas
  --perf-report FILE     write frame times and training speed (JSON); --baseline-seconds S first
                         measures training headless (default 4)
  --max-fps F            frame cap (default 60; 0: none)
  --paint X Y R          paint a blob of radius R at (X, Y), starting at --paint-frame F (default 30)
  --lab SOLVER,N         start in the solver lab (e.g. rk4,4; dopri5,TOL); with --frames it steps
                         every 20 frames and --perf-report says how soon each step was on screen
  --compare              start with the model's stages side by side (rf with --reflow K)
  --compare-methods LIST train methods side by side from the model's seed (e.g. fm,otcfm,rf,cnf;
                         also rkl, realnvp), a panel per method and round, a table under them
  --save FILE.flowlab    after the last frame, save the session as it is then
  --scrub                with --frames: go back in the training history and return, in turn,
                         every 60 frames; --perf-report says how soon each past model was shown

The command line (no display needed): flowlab --help
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace flowlab;
  // The SIMD kernel set, before any thread starts: the widest the CPU runs, or FLOWLAB_SIMD's.
  try {
    core::selectKernelSetFrom(std::getenv("FLOWLAB_SIMD"));
  } catch (const std::invalid_argument& e) {
    std::cerr << "flowlab: " << e.what() << "\n";
    return 2;
  }
  if (argc >= 2 && (core::isCliCommand(argv[1]) || argv[1][0] != '-'))
    return core::runCli(argc, argv);
  if (argc >= 2 && std::string(argv[1]) == "--app-help") {
    std::cout << kAppUsage;
    return 0;
  }
  app::AppOptions options;
  try {
    options = app::parseAppOptions(argc, argv);
  } catch (const core::UsageError& e) {
    std::cerr << "flowlab: " << e.what() << " (see 'flowlab --app-help')\n";
    return 2;
  }
  app::App app(std::move(options));
  return app.run();
}
