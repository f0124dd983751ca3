// The animation clock (GL-free).
#include "app/state/timeline.hpp"

#include <algorithm>

namespace flowlab::app {

bool Timeline::tick(double now, bool move) {
  const double last = lastTick_;
  lastTick_ = now;
  if (last < 0.0 || !move) return false;
  return advance(std::min(now - last, kMaxGap));
}

bool Timeline::advance(double dt) {
  if (!playing || dt <= 0.0) return false;
  const double end = endTime();
  if (t == end) {
    if (!loop) {
      playing = false;
      return false;
    }
    held_ += dt;
    if (held_ < holdSeconds) return false;
    held_ = 0.0;
    t = startTime();
    return true;
  }
  const double step = speed * dt * (direction == core::FlowDirection::Generate ? 1.0 : -1.0);
  t = std::clamp(t + step, 0.0, 1.0);
  if ((step > 0.0 && t >= end) || (step < 0.0 && t <= end)) {
    t = end;
    held_ = 0.0;
  }
  return true;
}

void Timeline::rewind() {
  t = startTime();
  held_ = 0.0;
}

void Timeline::scrub(double value) {
  t = std::clamp(value, 0.0, 1.0);
  held_ = 0.0;
}

void Timeline::setDirection(core::FlowDirection d) {
  direction = d;
  held_ = 0.0;
}

}  // namespace flowlab::app
