// The solver lab on the canvas (see solver_lab_painter.hpp).
#include "core/render/solver_lab_painter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace flowlab::core {
namespace {

constexpr PackedRgb kErrorColour = core::packed({1.0f, 1.0f, 1.0f});
constexpr PackedRgb kReferenceColour = core::packed({0.95f, 0.95f, 0.95f});
constexpr PackedRgb kMarkedColour = core::packed({1.0f, 0.85f, 0.1f});

void segment(RasterImage& image, const Eigen::Vector2f& a, const Eigen::Vector2f& b,
             PackedRgb colour, float alphaA, float alphaB) {
  drawSegment(image, image.pixelX(a.x()), image.pixelY(a.y()), image.pixelX(b.x()),
              image.pixelY(b.y()), colour, alphaA, alphaB, true, true);
}

// A segment two pixels wide (the error lines: white, over everything else).
void wideSegment(RasterImage& image, const Eigen::Vector2f& a, const Eigen::Vector2f& b,
                 PackedRgb colour) {
  const float ax = image.pixelX(a.x()), ay = image.pixelY(a.y());
  const float bx = image.pixelX(b.x()), by = image.pixelY(b.y());
  for (const float o : {-0.5f, 0.5f}) {
    drawSegment(image, ax + o, ay, bx + o, by, colour, 0.9f, 0.9f, true, true);
    drawSegment(image, ax, ay + o, bx, by + o, colour, 0.9f, 0.9f, true, true);
  }
}

// An arrow from world point `from` along world displacement `move` (its tip at from + move).
void arrow(RasterImage& image, const Eigen::Vector2f& from, const Eigen::Vector2f& move,
           PackedRgb colour, float pixelScale) {
  const float ax = image.pixelX(from.x()), ay = image.pixelY(from.y());
  const float bx = image.pixelX(from.x() + move.x()), by = image.pixelY(from.y() + move.y());
  const float dx = bx - ax, dy = by - ay, length = std::hypot(dx, dy);
  if (length < 0.5f) return;
  ArrowShape shape;
  shape.length = length;
  shape.shaftHalfWidth = 0.9f * pixelScale;
  shape.headLength = std::min(8.0f * pixelScale, 0.45f * length);
  shape.headHalfWidth = 3.5f * pixelScale;
  drawArrow(image, 0.5f * (ax + bx), 0.5f * (ay + by), dx / length, dy / length, shape, colour,
            0.95f);
}

}  // namespace

core::Colour stageColour(int i) {
  static constexpr std::array<core::Colour, 7> kStages{{{1.00f, 0.35f, 0.35f},
                                                        {1.00f, 0.65f, 0.20f},
                                                        {0.45f, 0.90f, 0.40f},
                                                        {0.40f, 0.65f, 1.00f},
                                                        {0.80f, 0.50f, 1.00f},
                                                        {0.30f, 0.90f, 0.90f},
                                                        {0.75f, 0.75f, 0.75f}}};
  return kStages[static_cast<std::size_t>(std::clamp(i, 0, 6))];
}

void ledgerColours(const core::PointRow& ledger, std::vector<PackedRgb>& out,
                   std::vector<float>& scratch) {
  const auto n = static_cast<std::size_t>(ledger.cols());
  scratch.resize(n);
  for (std::size_t p = 0; p < n; ++p) scratch[p] = std::abs(ledger(static_cast<Eigen::Index>(p)));
  float scale = 1e-6f;
  if (n > 0) {
    const auto at = scratch.begin() + static_cast<long>(0.98 * static_cast<double>(n - 1));
    std::nth_element(scratch.begin(), at, scratch.end());
    scale = std::max(scale, *at);
  }
  out.resize(n);
  for (std::size_t p = 0; p < n; ++p)
    out[p] = core::packed(core::divergingColour(ledger(static_cast<Eigen::Index>(p)) / scale));
}

void paintSolverLab(const core::SolverLabLayer& lab, int step, int marked, const ViewSettings& view,
                    float pixelScale, const std::vector<PackedRgb>& colours, RasterImage& image) {
  const core::SolverRun& run = lab.run;
  if (run.states.empty()) return;
  const core::Points& start = run.states.front();
  const int count = static_cast<int>(start.cols());
  const int k = std::clamp(step, 0, lab.steps());
  if (static_cast<int>(colours.size()) < count) return;

  // Trails: the chords of the steps so far, older ones fainter.
  const int trails = std::min(view.pathCount, count);
  for (int j = 0; j < k; ++j) {
    const float alpha = view.pathAlpha * (0.25f + 0.75f * static_cast<float>(j + 1) / k);
    const float alphaFrom = view.pathAlpha * (0.25f + 0.75f * static_cast<float>(j) / k);
    for (int p = 0; p < trails; ++p)
      segment(image, run.states[j].col(p), run.states[j + 1].col(p), colours[p], alphaFrom, alpha);
  }
  // Every particle at x_k.
  const core::Points& x = run.states[static_cast<std::size_t>(k)];
  // Dimmed, so that the highlighted particles and their stages stand out.
  drawDiscs(image, x.data(), count, colours.data(), 0, 0.5f * view.pointSize * pixelScale,
            0.45f * view.particleAlpha);

  // The highlighted particles: a ring, the error to the reference, and the stages of the step
  // that led here.
  const int highlighted = std::min(lab.request.highlighted, count);
  const core::Points& reference = lab.reference[static_cast<std::size_t>(k)];
  for (int p = 0; p < highlighted; ++p) {
    wideSegment(image, x.col(p), reference.col(p), kErrorColour);
    drawDiscs(image, reference.col(p).data(), 1, nullptr, kReferenceColour, 1.6f * pixelScale,
              0.9f);
  }
  if (k >= 1 && static_cast<std::size_t>(k - 1) < run.stages.size()) {
    const core::StepStages& s = run.stages[static_cast<std::size_t>(k - 1)];
    const float h = static_cast<float>(s.h);
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const PackedRgb c = core::packed(stageColour(static_cast<int>(i)));
      const int cols = std::min(highlighted, static_cast<int>(s.points[i].cols()));
      for (int p = 0; p < cols; ++p)
        arrow(image, s.points[i].col(p), h * s.velocities[i].col(p), c, pixelScale);
      drawDiscs(image, s.points[i].data(), cols, nullptr, c, 2.2f * pixelScale, 1.0f);
    }
  }
  if (marked >= 0 && marked < highlighted)
    drawDiscs(image, x.col(marked).data(), 1, nullptr, kMarkedColour, 7.5f * pixelScale, 1.0f);
  for (int p = 0; p < highlighted; ++p) {
    drawDiscs(image, x.col(p).data(), 1, nullptr, kErrorColour, 5.0f * pixelScale, 1.0f);
    drawDiscs(image, x.col(p).data(), 1, &colours[p], 0, 3.8f * pixelScale, 1.0f);
  }
}

}  // namespace flowlab::core
