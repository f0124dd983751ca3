// Catmull–Rom interpolation of cached particle positions between uniform knot times.
#include "core/view/particle_table.hpp"

#include <algorithm>

namespace flowlab::core {

namespace {

// Catmull–Rom weights for the segment [p1, p2] at s in [0, 1] (uniform knots).
struct CatmullRom {
  float w0, w1, w2, w3;
  explicit CatmullRom(float s) {
    const float s2 = s * s, s3 = s2 * s;
    w0 = 0.5f * (-s + 2.0f * s2 - s3);
    w1 = 0.5f * (2.0f - 5.0f * s2 + 3.0f * s3);
    w2 = 0.5f * (s + 4.0f * s2 - 3.0f * s3);
    w3 = 0.5f * (-s2 + s3);
  }
};

// Segment index i (knots i, i+1) and local parameter s for time t on uniform knots.
void locate(const std::vector<double>& times, double t, int& i, float& s) {
  const int last = static_cast<int>(times.size()) - 1;
  if (last <= 0) {
    i = 0;
    s = 0.0f;
    return;
  }
  const double u =
      std::clamp((t - times.front()) / (times.back() - times.front()), 0.0, 1.0) * last;
  i = std::min(static_cast<int>(u), last - 1);
  s = static_cast<float>(u - i);
}

}  // namespace

void ParticleTable::positionsAt(double t, Points& out) const {
  out.resize(2, count());
  if (positions.empty() || count() == 0) return;
  if (positions.size() == 1) {
    out = positions[0];
    return;
  }
  int i;
  float s;
  locate(times, t, i, s);
  const int last = static_cast<int>(positions.size()) - 1;
  const auto p1 = positions[i];
  const auto p2 = positions[i + 1];
  const CatmullRom w(s);
  // Past either end the missing knot is reflected (p0 = 2·p1 − p2), so straight paths stay exact.
  if (i > 0)
    out = w.w0 * positions[i - 1] + w.w1 * p1;
  else
    out = (w.w1 + 2.0f * w.w0) * p1 - w.w0 * p2;
  out += w.w2 * p2;
  if (i + 2 <= last)
    out += w.w3 * positions[i + 2];
  else
    out += w.w3 * (2.0f * p2 - p1);
}

Eigen::Vector2f ParticleTable::positionAt(int column, double t) const {
  if (positions.size() == 1) return positions[0].col(column);
  int i;
  float s;
  locate(times, t, i, s);
  const int last = static_cast<int>(positions.size()) - 1;
  const CatmullRom w(s);
  const Eigen::Vector2f p1 = positions[i].col(column), p2 = positions[i + 1].col(column);
  const Eigen::Vector2f p0 =
      i > 0 ? Eigen::Vector2f(positions[i - 1].col(column)) : Eigen::Vector2f(2.0f * p1 - p2);
  const Eigen::Vector2f p3 = i + 2 <= last ? Eigen::Vector2f(positions[i + 2].col(column))
                                           : Eigen::Vector2f(2.0f * p2 - p1);
  return w.w0 * p0 + w.w1 * p1 + w.w2 * p2 + w.w3 * p3;
}

void ParticleTable::logDensityAt(double t, PointRow& out) const {
  out.resize(1, count());
  if (logDensity.empty() || count() == 0) return;
  if (logDensity.size() == 1) {
    out = logDensity[0];
    return;
  }
  int i;
  float s;
  locate(times, t, i, s);
  out = (1.0f - s) * logDensity[i] + s * logDensity[i + 1];
}

}  // namespace flowlab::core
