// Disc and line splatting with coverage from the distance to the shape (a one-pixel box filter).
#include "app/canvas_raster.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app {

namespace {

// "Over" in premultiplied 8-bit RGBA: dst = src·a + dst·(1 − a), with a in [0, 1].
inline void blend(std::uint32_t& dst, PackedRgb colour, float a) {
  const std::uint32_t a8 = static_cast<std::uint32_t>(a * 255.0f + 0.5f);
  if (a8 == 0) return;
  const std::uint32_t keep = 255 - a8;
  auto channel = [&](int shift, std::uint32_t src) {
    const std::uint32_t d = (dst >> shift) & 0xffu;
    // (x + 127) / 255 rounds; exact enough for 8-bit channels.
    return ((src * a8 + d * keep + 127) / 255) << shift;
  };
  dst = channel(0, colour & 0xffu) | channel(8, (colour >> 8) & 0xffu) |
        channel(16, (colour >> 16) & 0xffu) | channel(24, 255u);
}

}  // namespace

void RasterImage::reset(int w, int h, const core::Box& worldBox) {
  width = std::max(w, 0);
  height = std::max(h, 0);
  box = worldBox;
  pixels.assign(static_cast<std::size_t>(width) * height, 0u);
}

float RasterImage::pixelX(float x) const {
  return static_cast<float>((x - box.x0) / box.width() * width - 0.5);
}

float RasterImage::pixelY(float y) const {
  return static_cast<float>((y - box.y0) / box.height() * height - 0.5);
}

void drawDiscs(RasterImage& image, const float* xy, int n, const PackedRgb* colours, PackedRgb flat,
               float radius, float alpha) {
  if (image.width <= 0 || image.height <= 0 || alpha <= 0.0f) return;
  const float sx = static_cast<float>(image.width / image.box.width());
  const float sy = static_cast<float>(image.height / image.box.height());
  const float ox = static_cast<float>(image.box.x0), oy = static_cast<float>(image.box.y0);
  // Coverage 1 inside radius − ½, falling to 0 at radius + ½ (a box-filtered disc edge).
  const float reach = radius + 0.5f;
  const int w = image.width, h = image.height;
  for (int k = 0; k < n; ++k) {
    const float px = (xy[2 * k] - ox) * sx - 0.5f, py = (xy[2 * k + 1] - oy) * sy - 0.5f;
    if (!(px > -reach && px < w - 1 + reach && py > -reach && py < h - 1 + reach)) continue;
    const int i0 = std::max(0, static_cast<int>(std::ceil(px - reach)));
    const int i1 = std::min(w - 1, static_cast<int>(std::floor(px + reach)));
    const int j0 = std::max(0, static_cast<int>(std::ceil(py - reach)));
    const int j1 = std::min(h - 1, static_cast<int>(std::floor(py + reach)));
    const PackedRgb c = colours ? colours[k] : flat;
    for (int j = j0; j <= j1; ++j) {
      const float dy = j - py;
      std::uint32_t* row = image.pixels.data() + static_cast<std::size_t>(j) * w;
      for (int i = i0; i <= i1; ++i) {
        const float dx = i - px;
        const float cover = std::clamp(reach - std::sqrt(dx * dx + dy * dy), 0.0f, 1.0f);
        if (cover > 0.0f) blend(row[i], c, alpha * cover);
      }
    }
  }
}

void drawSegment(RasterImage& image, float ax, float ay, float bx, float by, PackedRgb colour,
                 float alphaA, float alphaB, bool first, bool last) {
  const int w = image.width, h = image.height;
  if (w <= 0 || h <= 0) return;
  const int i0 = std::max(0, static_cast<int>(std::floor(std::min(ax, bx))) - 1);
  const int i1 = std::min(w - 1, static_cast<int>(std::ceil(std::max(ax, bx))) + 1);
  const int j0 = std::max(0, static_cast<int>(std::floor(std::min(ay, by))) - 1);
  const int j1 = std::min(h - 1, static_cast<int>(std::ceil(std::max(ay, by))) + 1);
  if (i0 > i1 || j0 > j1) return;
  const float dx = bx - ax, dy = by - ay;
  const float len2 = dx * dx + dy * dy;
  const float inv = len2 > 1e-12f ? 1.0f / len2 : 0.0f;
  for (int j = j0; j <= j1; ++j) {
    std::uint32_t* row = image.pixels.data() + static_cast<std::size_t>(j) * w;
    for (int i = i0; i <= i1; ++i) {
      const float qx = i - ax, qy = j - ay;
      const float u = (qx * dx + qy * dy) * inv;
      if ((u >= 1.0f && !last) || (u < 0.0f && !first)) continue;
      const float uc = std::clamp(u, 0.0f, 1.0f);
      const float ex = qx - uc * dx, ey = qy - uc * dy;
      const float cover = 1.0f - std::sqrt(ex * ex + ey * ey);
      if (cover <= 0.0f) continue;
      blend(row[i], colour, cover * (alphaA + (alphaB - alphaA) * uc));
    }
  }
}

}  // namespace flowlab::app
