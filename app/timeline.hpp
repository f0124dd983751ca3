// The animation clock of the canvas: t in [0, 1], played forward (generate, 0 → 1) or backward
// (normalise, 1 → 0), with speed, loop and a short hold at the end of each pass. Independent of
// training: either can be paused alone. GL-free; UI thread only.
#pragma once

#include "core/view_worker.hpp"

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

  // Advances the clock by dt seconds of wall time. Returns true when t changed.
  bool advance(double dt);
  // Back to the start of the pass (keeps playing state).
  void rewind();
  // Sets t (clamped to [0, 1]), e.g. from the scrubber; cancels a hold.
  void scrub(double value);
  // Reverses the direction, keeping t where it is.
  void setDirection(core::FlowDirection d);

 private:
  double held_ = 0.0;
};

}  // namespace flowlab::app
