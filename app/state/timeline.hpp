// The animation clock of the canvas: t in [0, 1], played forward (generate, 0 → 1) or backward
// (normalise, 1 → 0), with speed, loop and a short hold at the end of each pass. Independent of
// training: either can be paused alone. Driven by one wall clock: tick(now) once per frame with
// the frame's start time, so t moves by speed × elapsed time whatever the frame rate.
// GL-free; UI thread only.
#pragma once

#include "core/view/view_worker.hpp"

namespace flowlab::app {

struct Timeline {
  double t = 0.0;
  bool playing = true;
  double speed = 0.4;  // t units per second
  bool loop = true;
  double holdSeconds = 0.8;  // pause at the end of a pass before looping
  core::FlowDirection direction = core::FlowDirection::Generate;

  double startTime() const { return direction == core::FlowDirection::Generate ? 0.0 : 1.0; }
  double endTime() const { return 1.0 - startTime(); }

  // Advances the clock to wall time `now` (seconds, any origin, non-decreasing): by
  // now − (the previous tick's now), at most kMaxGap (after a stall, e.g. a suspended machine,
  // the animation resumes where it was). The first tick only sets the origin; move = false
  // only keeps the clock (a model without a velocity field shows t = 1). Returns true when t
  // changed.
  bool tick(double now, bool move = true);
  // Advances the clock by dt seconds of wall time. Returns true when t changed.
  bool advance(double dt);
  static constexpr double kMaxGap = 1.0;
  // Back to the start of the pass (keeps playing state).
  void rewind();
  // Sets t (clamped to [0, 1]), e.g. from the scrubber; cancels a hold.
  void scrub(double value);
  // Reverses the direction, keeping t where it is.
  void setDirection(core::FlowDirection d);

 private:
  double held_ = 0.0;
  double lastTick_ = -1.0;  // the previous tick's time; < 0 before the first
};

}  // namespace flowlab::app
