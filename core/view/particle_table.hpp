// Points carried by the flow (particles, pathlines, warped-grid vertices), cached at knot
// times so that any t in between is an interpolation. GL-free; a published table is immutable
// and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

// Where a layer's data came from: the snapshot's version and when the worker first saw it.
struct LayerStamp {
  std::uint64_t snapshotVersion = 0;
  std::chrono::steady_clock::time_point seen{};
};

// N points (columns) at K + 1 uniform knot times; built by the view worker's TableJob.
struct ParticleTable {
  std::vector<double> times;         // ascending knot times in [0, 1], uniformly spaced
  std::vector<Points> positions;     // positions[k]: 2×N at times[k]
  std::vector<PointRow> logDensity;  // log p_{times[k]}(positions[k]) (empty unless requested)
  Points start;                      // 2×N starting points (t = 0 Generate, t = 1 Normalize)
  LayerStamp stamp;                  // the snapshot every column was computed with

  int count() const { return static_cast<int>(start.cols()); }
  bool hasLogDensity() const { return !logDensity.empty(); }
  // out (2×N) = positions at time t, Catmull–Rom between knots (exact at knots; t clamped).
  void positionsAt(double t, Points& out) const;
  // out (1×N) = log p_t, linear between knots. Requires hasLogDensity().
  void logDensityAt(double t, PointRow& out) const;
  // One column's position at time t (same interpolation as positionsAt).
  Eigen::Vector2f positionAt(int column, double t) const;
};

}  // namespace flowlab::core
