// The hover inspector: x, v(x, t), div v(x, t) and log p_t(x) at one point, from a snapshot's
// weights. One point costs well under a millisecond, so it runs on the UI thread; results are
// cached until the point, t or the weights change. GL-free; UI thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/training/snapshot.hpp"

namespace flowlab::app {

struct Probe {
  bool valid = false;
  double x = 0.0, y = 0.0, t = 0.0;
  bool hasField = false;  // continuous flows only
  double vx = 0.0, vy = 0.0, divergence = 0.0;
  bool hasLogDensity = false;  // continuous flows at any t; RealNVP at t = 1 only
  double logDensity = 0.0;
  std::string error;
};

class Inspector {
 public:
  // The probe at world (x, y) and time t for the snapshot's current stage; log p_t with the
  // heatmap's solver (core::densitySolverAt with the view's steps per unit time), so the value
  // under the cursor is the pixel's.
  const Probe& probe(const std::shared_ptr<const core::Snapshot>& snapshot, double x, double y,
                     double t, int densitySteps);

 private:
  Probe probe_;
  std::uint64_t version_ = 0;
  int steps_ = 0;
};

}  // namespace flowlab::app
