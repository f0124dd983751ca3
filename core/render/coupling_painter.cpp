// A coupling's lines (see coupling_painter.hpp).
#include "core/render/coupling_painter.hpp"

#include <algorithm>

namespace flowlab::core {
namespace {

constexpr PackedRgb kLineColour = packed({0.75f, 0.78f, 0.85f});
constexpr PackedRgb kCrossingColour = packed({1.0f, 0.3f, 0.25f});

}  // namespace

void paintCoupling(RasterImage& image, const Points& starts, const Points& ends,
                   const std::vector<int>& crossing, float pixelScale) {
  const int m = static_cast<int>(std::min(starts.cols(), ends.cols()));
  auto line = [&](int i, PackedRgb colour, float alpha) {
    const Eigen::Vector2f a = starts.col(i), b = ends.col(i);
    drawSegment(image, image.pixelX(a.x()), image.pixelY(a.y()), image.pixelX(b.x()),
                image.pixelY(b.y()), colour, alpha, alpha, true, true);
  };
  std::size_t next = 0;  // the next crossing line (crossing is increasing)
  for (int i = 0; i < m; ++i) {
    if (next < crossing.size() && crossing[next] == i) {
      ++next;
      continue;
    }
    line(i, kLineColour, 0.45f);
  }
  for (int i : crossing)  // on top
    if (i < m) line(i, kCrossingColour, 0.8f);
  drawDiscs(image, starts.data(), m, nullptr, packed({0.5f, 0.7f, 1.0f}), 1.6f * pixelScale, 0.9f);
  drawDiscs(image, ends.data(), m, nullptr, packed({1.0f, 0.8f, 0.3f}), 1.6f * pixelScale, 0.9f);
}

}  // namespace flowlab::core
