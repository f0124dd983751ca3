// Crossing paths (see crossings.hpp).
#include "core/compare/crossings.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace flowlab::core {
namespace {

// Twice the signed area of the triangle pqr (in double, so the sign holds for nearly collinear
// float points).
double orientation(const Eigen::Vector2f& p, const Eigen::Vector2f& q, const Eigen::Vector2f& r) {
  return (double(q.x()) - p.x()) * (double(r.y()) - p.y()) -
         (double(q.y()) - p.y()) * (double(r.x()) - p.x());
}

struct BoundingBox {
  float x0, y0, x1, y1;
  bool overlaps(const BoundingBox& o) const {
    return x0 <= o.x1 && o.x0 <= x1 && y0 <= o.y1 && o.y0 <= y1;
  }
};

BoundingBox polylineBox(const std::vector<Points>& states, int i) {
  BoundingBox b{states[0](0, i), states[0](1, i), states[0](0, i), states[0](1, i)};
  for (const Points& s : states) {
    b.x0 = std::min(b.x0, s(0, i));
    b.x1 = std::max(b.x1, s(0, i));
    b.y0 = std::min(b.y0, s(1, i));
    b.y1 = std::max(b.y1, s(1, i));
  }
  return b;
}

bool polylinesCross(const std::vector<Points>& states, int i, int j) {
  for (std::size_t k = 0; k + 1 < states.size(); ++k)
    for (std::size_t m = 0; m + 1 < states.size(); ++m)
      if (segmentsCross(states[k].col(i), states[k + 1].col(i), states[m].col(j),
                        states[m + 1].col(j)))
        return true;
  return false;
}

}  // namespace

bool segmentsCross(const Eigen::Vector2f& a, const Eigen::Vector2f& b, const Eigen::Vector2f& c,
                   const Eigen::Vector2f& d) {
  const double abc = orientation(a, b, c), abd = orientation(a, b, d);
  const double cda = orientation(c, d, a), cdb = orientation(c, d, b);
  return ((abc > 0 && abd < 0) || (abc < 0 && abd > 0)) &&
         ((cda > 0 && cdb < 0) || (cda < 0 && cdb > 0));
}

std::vector<std::pair<int, int>> crossingPairs(const std::vector<Points>& states, int count,
                                               std::size_t limit, long* total) {
  if (states.size() < 2) throw std::invalid_argument("crossings: a path needs two states");
  for (const Points& s : states)
    if (s.cols() < count) throw std::invalid_argument("crossings: fewer columns than count");
  std::vector<BoundingBox> boxes;
  boxes.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int i = 0; i < count; ++i) boxes.push_back(polylineBox(states, i));
  std::vector<std::pair<int, int>> pairs;
  long found = 0;
  for (int i = 0; i < count; ++i)
    for (int j = i + 1; j < count; ++j) {
      if (!boxes[std::size_t(i)].overlaps(boxes[std::size_t(j)])) continue;
      if (!polylinesCross(states, i, j)) continue;
      ++found;
      if (pairs.size() < limit) pairs.emplace_back(i, j);
    }
  if (total) *total = found;
  return pairs;
}

std::vector<int> crossingColumns(const std::vector<Points>& states, int count, long* total) {
  std::vector<char> crosses(static_cast<std::size_t>(std::max(count, 0)), 0);
  for (const auto& [i, j] :
       crossingPairs(states, count, std::numeric_limits<std::size_t>::max(), total))
    crosses[std::size_t(i)] = crosses[std::size_t(j)] = 1;
  std::vector<int> columns;
  for (int i = 0; i < count; ++i)
    if (crosses[std::size_t(i)]) columns.push_back(i);
  return columns;
}

}  // namespace flowlab::core
