#include <doctest/doctest.h>

#include "core/compare/crossings.hpp"

using namespace flowlab::core;

namespace {

Eigen::Vector2f p(float x, float y) { return {x, y}; }

// Straight lines from starts (x, 0) to ends (x', 1), as a two-state "path".
std::vector<Points> lines(const std::vector<float>& from, const std::vector<float>& to) {
  Points a(2, static_cast<Eigen::Index>(from.size())), b(2, static_cast<Eigen::Index>(to.size()));
  for (std::size_t i = 0; i < from.size(); ++i) {
    a.col(static_cast<Eigen::Index>(i)) = p(from[i], 0.0f);
    b.col(static_cast<Eigen::Index>(i)) = p(to[i], 1.0f);
  }
  return {a, b};
}

}  // namespace

TEST_CASE("segments cross when each separates the other's end points") {
  CHECK(segmentsCross(p(0, 0), p(1, 1), p(0, 1), p(1, 0)));        // an X
  CHECK(segmentsCross(p(1, 1), p(0, 0), p(1, 0), p(0, 1)));        // either direction
  CHECK_FALSE(segmentsCross(p(0, 0), p(1, 0), p(0, 1), p(1, 1)));  // parallel
  CHECK_FALSE(segmentsCross(p(0, 0), p(1, 1), p(2, 0), p(3, 1)));  // apart
  CHECK_FALSE(segmentsCross(p(0, 0), p(1, 1), p(1, 1), p(2, 0)));  // sharing an end point
  CHECK_FALSE(segmentsCross(p(0, 0), p(2, 0), p(1, 0), p(1, 1)));  // a T: touching, not crossing
  CHECK_FALSE(segmentsCross(p(0, 0), p(2, 0), p(1, 0), p(3, 0)));  // collinear overlap
  CHECK_FALSE(segmentsCross(p(0, 0), p(1, 1), p(0.4f, 1), p(0.6f, 0.7f)));  // would cross if longer
}

TEST_CASE("a reversed order crosses every pair, a kept order none") {
  const int n = 9;
  std::vector<float> from, reversed, kept;
  for (int i = 0; i < n; ++i) {
    from.push_back(float(i));
    reversed.push_back(float(n - 1 - i));
    kept.push_back(float(i) + 0.5f);
  }
  long total = -1;
  const auto all = crossingPairs(lines(from, reversed), n, 1000, &total);
  CHECK(total == n * (n - 1) / 2);
  CHECK(all.size() == std::size_t(total));
  CHECK(all.front() == std::pair<int, int>(0, 1));
  CHECK(crossingPairs(lines(from, kept), n, 1000, &total).empty());
  CHECK(total == 0);
  // The limit bounds the list, not the count; count bounds the lines looked at.
  CHECK(crossingPairs(lines(from, reversed), n, 3, &total).size() == 3);
  CHECK(total == n * (n - 1) / 2);
  crossingPairs(lines(from, reversed), 4, 1000, &total);
  CHECK(total == 6);
}

TEST_CASE("polylines cross on any pair of their segments, whatever the time of each") {
  // Path 0: (0, 0) → (2, 0) → (4, 3); path 1: (3.5, 2) → (3.5, 1) → (1.5, 1.5). Only their
  // second segments cross. Each state holds both paths (Eigen fills the rows: x's, then y's).
  Points s0(2, 2), s1(2, 2), s2(2, 2);
  s0 << 0, 3.5f, 0, 2;
  s1 << 2, 3.5f, 0, 1;
  s2 << 4, 1.5f, 3, 1.5f;
  long total = 0;
  const auto pairs = crossingPairs({s0, s1, s2}, 2, 10, &total);
  REQUIRE(total == 1);
  CHECK(pairs[0] == std::pair<int, int>(0, 1));
  // Without the last segment they do not cross.
  crossingPairs({s0, s1}, 2, 10, &total);
  CHECK(total == 0);
  CHECK_THROWS_AS(crossingPairs({s0}, 2), std::invalid_argument);
  CHECK_THROWS_AS(crossingPairs({s0, s1}, 3), std::invalid_argument);
}

TEST_CASE("crossing columns: the lines that cross any other, in order, with the pair count") {
  // Lines 0 and 1 cross each other; 2 and 3 stay apart from everything.
  long total = -1;
  const auto columns = crossingColumns(lines({0, 1, 5, 7}, {1, 0, 5.5f, 7.5f}), 4, &total);
  CHECK(columns == std::vector<int>{0, 1});
  CHECK(total == 1);
  CHECK(crossingColumns(lines({0, 1}, {0, 1}), 2).empty());
}
