// A coupling's lines (see coupling_painter.hpp).
#include "core/render/coupling_painter.hpp"

#include <algorithm>
#include <vector>

#include "core/compare/crossings.hpp"

namespace flowlab::core {
namespace {

constexpr PackedRgb kLineColour = packed({0.75f, 0.78f, 0.85f});
constexpr PackedRgb kCrossingColour = packed({1.0f, 0.3f, 0.25f});

}  // namespace

void paintCoupling(RasterImage& image, const Points& starts, const Points& ends, float pixelScale) {
  const int m = static_cast<int>(std::min(starts.cols(), ends.cols()));
  if (m == 0) return;
  const std::vector<Points> lines = {starts.leftCols(m), ends.leftCols(m)};
  std::vector<char> crosses(static_cast<std::size_t>(m), 0);
  for (const auto& [i, j] : crossingPairs(lines, m, std::size_t(m) * std::size_t(m)))
    crosses[std::size_t(i)] = crosses[std::size_t(j)] = 1;
  for (int pass = 0; pass < 2; ++pass)  // crossing lines last, on top
    for (int i = 0; i < m; ++i) {
      if (crosses[std::size_t(i)] != pass) continue;
      const Eigen::Vector2f a = lines[0].col(i), b = lines[1].col(i);
      const float alpha = pass ? 0.8f : 0.45f;
      drawSegment(image, image.pixelX(a.x()), image.pixelY(a.y()), image.pixelX(b.x()),
                  image.pixelY(b.y()), pass ? kCrossingColour : kLineColour, alpha, alpha, true,
                  true);
    }
  drawDiscs(image, lines[0].data(), m, nullptr, packed({0.5f, 0.7f, 1.0f}), 1.6f * pixelScale,
            0.9f);
  drawDiscs(image, lines[1].data(), m, nullptr, packed({1.0f, 0.8f, 0.3f}), 1.6f * pixelScale,
            0.9f);
}

}  // namespace flowlab::core
