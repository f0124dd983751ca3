// Crossing paths: which pairs of 2-D polylines intersect. Rectified flow's independent coupling
// has lines x0 → x1 that cross everywhere; ODE pathlines of a flow may cross in space (at
// different times), and reflow removes both tangles (Liu et al. 2022, "Flow straight and fast":
// a straight coupling has no crossings). Counted here by exact segment intersection with a
// bounding-box test first. GL-free; caller's thread.
#pragma once

#include <utility>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

// Whether segments ab and cd cross: they share a point that is interior to both (proper
// intersection). Touching at an end point and collinear overlap do not count (measure zero for
// the sampled paths this is used on).
bool segmentsCross(const Eigen::Vector2f& a, const Eigen::Vector2f& b, const Eigen::Vector2f& c,
                   const Eigen::Vector2f& d);

// The pairs (i, j), i < j < count, of polylines that cross. Polyline i is the sequence of column i
// of states[0], states[1], … (each 2×N, N ≥ count; one state per time, as a trajectory table
// holds them); two states give straight lines (a coupling's x0 → x1). At most `limit` pairs are
// returned, in order of i then j; `total`, when non-null, receives the number of all crossing
// pairs. O(count²·(states − 1)²) segment tests in the worst case.
std::vector<std::pair<int, int>> crossingPairs(const std::vector<Points>& states, int count,
                                               std::size_t limit = 1000, long* total = nullptr);

// The polylines among the first `count` that cross at least one other, in increasing order;
// `total`, when non-null, receives the number of crossing pairs (as crossingPairs counts them).
std::vector<int> crossingColumns(const std::vector<Points>& states, int count,
                                 long* total = nullptr);

}  // namespace flowlab::core
