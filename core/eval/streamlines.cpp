// All seeds and both directions are integrated as one batch (2·S columns), so the model sees a
// few hundred small batches instead of thousands of single points.
#include "core/eval/streamlines.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/rng.hpp"

namespace flowlab::core {

namespace {

bool inside(const Box& b, const Eigen::Vector2f& p) {
  return p.x() >= b.x0 && p.x() <= b.x1 && p.y() >= b.y0 && p.y() <= b.y1;
}

// The point where the segment a → b (a inside, b outside) crosses the box's edge.
Eigen::Vector2f clipToBox(const Box& box, const Eigen::Vector2f& a, const Eigen::Vector2f& b) {
  double s = 1.0;
  const Eigen::Vector2f d = b - a;
  auto limit = [&](double from, double delta, double lo, double hi) {
    if (delta > 0.0 && from + delta > hi) s = std::min(s, (hi - from) / delta);
    if (delta < 0.0 && from + delta < lo) s = std::min(s, (lo - from) / delta);
  };
  limit(a.x(), d.x(), box.x0, box.x1);
  limit(a.y(), d.y(), box.y0, box.y1);
  Eigen::Vector2f p = a + static_cast<float>(std::max(s, 0.0)) * d;
  // Rounding must not leave the point a hair outside.
  p.x() = std::clamp(p.x(), static_cast<float>(box.x0), static_cast<float>(box.x1));
  p.y() = std::clamp(p.y(), static_cast<float>(box.y0), static_cast<float>(box.y1));
  return p;
}

}  // namespace

Points jitteredGridSeeds(const Box& box, int cols, int rows, std::uint64_t seed) {
  cols = std::max(cols, 1);
  rows = std::max(rows, 1);
  Points seeds(2, static_cast<Eigen::Index>(cols) * rows);
  Points jitter(2, seeds.cols());
  Rng rng(seed);
  rng.fillUniform(jitter);
  const double dx = box.width() / cols, dy = box.height() / rows;
  for (int j = 0; j < rows; ++j)
    for (int i = 0; i < cols; ++i) {
      const Eigen::Index k = static_cast<Eigen::Index>(j) * cols + i;
      seeds(0, k) = static_cast<float>(box.x0 + (i + 0.25 + 0.5 * jitter(0, k)) * dx);
      seeds(1, k) = static_cast<float>(box.y0 + (j + 0.25 + 0.5 * jitter(1, k)) * dy);
    }
  return seeds;
}

Streamlines traceStreamlines(const VelocitySampler& velocity, const Points& seeds, const Box& box,
                             double step, int maxSteps, double minSpeed) {
  Streamlines out;
  out.box = box;
  const Eigen::Index s = seeds.cols(), n = 2 * s;  // columns [0, s) forward, [s, 2s) backward
  Points x(2, n), k1(2, n), k2(2, n), k3(2, n), k4(2, n), probe(2, n), v(2, n);
  x << seeds, seeds;
  std::vector<char> alive(n);
  std::vector<std::vector<Eigen::Vector2f>> halves(n);
  for (Eigen::Index c = 0; c < n; ++c) alive[c] = inside(box, x.col(c));
  const float h = static_cast<float>(step);
  // dx/ds = ±v/|v|: unit speed along the line, so `step` is arc length in world units.
  auto direction = [&](const Points& at, Points& d) {
    velocity(at, v);
    for (Eigen::Index c = 0; c < n; ++c) {
      const float speed = v.col(c).norm();
      const float sign = c < s ? 1.0f : -1.0f;
      d.col(c) = speed > minSpeed && std::isfinite(speed) ? Eigen::Vector2f(sign * v.col(c) / speed)
                                                          : Eigen::Vector2f::Zero();
    }
  };
  for (int it = 0; it < maxSteps; ++it) {
    if (std::none_of(alive.begin(), alive.end(), [](char a) { return a != 0; })) break;
    direction(x, k1);
    probe = x + 0.5f * h * k1;
    direction(probe, k2);
    probe = x + 0.5f * h * k2;
    direction(probe, k3);
    probe = x + h * k3;
    direction(probe, k4);
    for (Eigen::Index c = 0; c < n; ++c) {
      if (!alive[c]) continue;
      if (k1.col(c).isZero()) {  // the flow stops here
        alive[c] = 0;
        continue;
      }
      const Eigen::Vector2f next =
          x.col(c) + (h / 6.0f) * (k1.col(c) + 2.0f * k2.col(c) + 2.0f * k3.col(c) + k4.col(c));
      if (!next.allFinite()) {
        alive[c] = 0;
      } else if (!inside(box, next)) {
        halves[c].push_back(clipToBox(box, x.col(c), next));
        alive[c] = 0;
      } else {
        halves[c].push_back(next);
        x.col(c) = next;
      }
    }
  }
  // Each line: the backward half reversed, the seed, the forward half.
  std::size_t total = 0;
  for (Eigen::Index c = 0; c < s; ++c)
    if (inside(box, seeds.col(c))) total += 1 + halves[c].size() + halves[s + c].size();
  out.vertices.resize(2, static_cast<Eigen::Index>(total));
  out.offsets.push_back(0);
  Eigen::Index w = 0;
  for (Eigen::Index c = 0; c < s; ++c) {
    if (!inside(box, seeds.col(c))) continue;
    const auto& back = halves[s + c];
    for (auto p = back.rbegin(); p != back.rend(); ++p) out.vertices.col(w++) = *p;
    out.vertices.col(w++) = seeds.col(c);
    for (const auto& p : halves[c]) out.vertices.col(w++) = p;
    out.offsets.push_back(static_cast<int>(w));
  }
  if (total > 0) {
    Points speeds(2, out.vertices.cols());
    velocity(out.vertices, speeds);
    out.speeds.resize(total);
    for (Eigen::Index i = 0; i < speeds.cols(); ++i) out.speeds[i] = speeds.col(i).norm();
  }
  return out;
}

}  // namespace flowlab::core
