// The solver lab's state in the app: the chosen solver and step count, the step shown, running,
// and the model the lab holds (an epoch the view worker pins a snapshot for). Stepping only moves
// an index into the solve the view worker computed (every state is kept), so going back is
// exact and a step answers at once; the UI thread never integrates. GL-free; UI thread only.
#pragma once

#include <cstdint>
#include <vector>

#include "core/render/view_settings.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::app {

struct SolverLab {
  bool on = false;
  core::Solver solver = core::Solver::RK4;
  int steps = 4;            // N, fixed-step solvers
  double tolerance = 1e-3;  // Dopri5: rtol = atol
  int highlighted = 16;     // particles whose stages are drawn (the first ones)
  int step = 0;             // the state shown: after `step` solver steps
  bool running = false;     // advancing by itself, one step per stepSeconds
  double stepSeconds = 0.4;
  std::uint64_t epoch = 1;   // a new one makes the worker take the newest model
  std::vector<float> seeds;  // start points placed by clicking (x0, y0, …), always highlighted
  int stage = -1;            // the model's stage to solve (0-based); −1: the one being trained

  static constexpr int kMaxSteps = 200, kMaxHighlighted = 64;

  core::SolverConfig config() const;
  // The particle whose ledger the lab reads out: the start point clicked last, else the first.
  int ledgerParticle() const { return seeds.empty() ? 0 : static_cast<int>(seeds.size() / 2) - 1; }
  // The lab part of the view request (the particles' count and seed from the view settings).
  core::SolverLabRequest request(const core::ViewSettings& view,
                                 core::FlowDirection direction) const;

  // The number of steps of the solve on screen: the layer's when it is this lab's, else N (a
  // Dopri5 solve not computed yet has none).
  int lastStep(const core::SolverLabLayer* layer, core::FlowDirection direction,
               const core::ViewSettings& view) const;
  // Whether `layer` is the solve of the current settings.
  bool shows(const core::SolverLabLayer* layer, core::FlowDirection direction,
             const core::ViewSettings& view) const;

  void toggle();           // on (from the start points, with the newest model) or off
  void takeNewestModel();  // the lab computes again with the newest snapshot
  // A start point placed at world (x, y) (at most kMaxHighlighted; the oldest go first); the
  // lab goes back to the start. clearSeeds() removes them all.
  void addSeed(double x, double y);
  void clearSeeds();
  void forward(int last);    // one step on, up to `last`
  void back();               // one step back, down to 0
  void reset();              // back to the start points, stopped
  void toEnd(int last);      // the last step, stopped
  void runOrStop(int last);  // run (from the start when at the end) or stop
  // A new solver or step count starts again from the same start points.
  void choose(core::Solver s, int n, double tol);
  // While running: one step per stepSeconds of wall time `now` (seconds); stops at `last`.
  // Returns true when the step changed.
  bool tick(double now, int last);

 private:
  double lastAdvance_ = -1.0;
};

// The flow time of the state after `step` steps: the layer's own times when it is the current
// solve (Dopri5's are not uniform), else the uniform grid of N steps.
double labTime(const SolverLab& lab, const core::SolverLabLayer* layer,
               core::FlowDirection direction, const core::ViewSettings& view);

}  // namespace flowlab::app
