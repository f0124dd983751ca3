// Streamlines of a frozen velocity field v(·, t): curves everywhere tangent to the field at one
// time t, traced from seeds on a jittered grid forward and backward until they leave the view
// box or the flow stops. GL-free; pure functions, any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

struct Streamlines {
  Box box{};                  // the view box the lines were clipped to
  Points vertices;            // 2×V world points, the lines one after another
  std::vector<float> speeds;  // V: |v(x, t)| at each vertex (world units per unit time)
  std::vector<int> offsets;   // lines + 1 entries: line k is vertices [offsets[k], offsets[k+1])

  int lines() const { return offsets.empty() ? 0 : static_cast<int>(offsets.size()) - 1; }
};

// velocity(x, v): v (2×N) = the field at x (2×N). Called with batches of points.
using VelocitySampler = std::function<void(const Points& x, Points& v)>;

// cols × rows seeds, one per grid cell, each at a random point of the middle half of its cell
// (so lines do not line up), reproducibly from `seed`: 2×(cols·rows).
Points jitteredGridSeeds(const Box& box, int cols, int rows, std::uint64_t seed);

// Traces one line per seed (a column of seeds; seeds outside box give no line) through the
// direction field v/|v| with RK4 steps of `step` world units, at most maxSteps each way, the
// backward half first. A line stops where it would leave box (its last point clipped onto the
// edge), where |v| < minSpeed, or on a non-finite value. Precondition: step > 0.
Streamlines traceStreamlines(const VelocitySampler& velocity, const Points& seeds, const Box& box,
                             double step, int maxSteps, double minSpeed = 1e-6);

}  // namespace flowlab::core
