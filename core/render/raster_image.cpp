// Disc, line and arrow splatting with coverage from the distance to the shape (a one-pixel box
// filter), and bilinear heatmaps.
#include "core/render/raster_image.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace flowlab::core {

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

// Packed 0xAABBGGRR arithmetic on two channels at a time (R and B, then G and A, each in a
// 16-bit lane) with 8-bit weights, rounded to nearest.

// p + (q − p)·w/256 per channel, w in [0, 256].
inline std::uint32_t lerpPacked(std::uint32_t p, std::uint32_t q, std::uint32_t w) {
  const std::uint32_t iw = 256 - w;
  const std::uint32_t rb =
      (((p & 0x00ff00ffu) * iw + (q & 0x00ff00ffu) * w + 0x00800080u) >> 8) & 0x00ff00ffu;
  const std::uint32_t ga =
      (((p >> 8) & 0x00ff00ffu) * iw + ((q >> 8) & 0x00ff00ffu) * w + 0x00800080u) & 0xff00ff00u;
  return rb | ga;
}

// p·s/256 per channel, s in [0, 256].
inline std::uint32_t scalePacked(std::uint32_t p, std::uint32_t s) {
  return ((((p & 0x00ff00ffu) * s + 0x00800080u) >> 8) & 0x00ff00ffu) |
         ((((p >> 8) & 0x00ff00ffu) * s + 0x00800080u) & 0xff00ff00u);
}

// Premultiplied "over": src + dst·(255 − src alpha)/255.
inline std::uint32_t overPacked(std::uint32_t dst, std::uint32_t src) {
  const std::uint32_t keep = 255 - (src >> 24);
  return src + scalePacked(dst, keep + (keep >> 7));
}

// 8-bit weight of a fraction in [0, 1].
inline std::uint32_t weight(float f) { return static_cast<std::uint32_t>(f * 256.0f + 0.5f); }

}  // namespace

void RasterImage::reset(int w, int h, const core::Box& worldBox) {
  width = std::max(w, 0);
  height = std::max(h, 0);
  box = worldBox;
  pixels.assign(static_cast<std::size_t>(width) * height, 0u);
}

RgbaImage toRgba(const RasterImage& image) {
  RgbaImage out;
  out.width = image.width;
  out.height = image.height;
  out.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 4);
  for (int j = 0; j < image.height; ++j) {
    const int row = image.height - 1 - j;  // row 0 of the raster is the bottom
    for (int i = 0; i < image.width; ++i) {
      const std::uint32_t p = image.at(i, j) | 0xff000000u;
      std::uint8_t* o = &out.pixels[(static_cast<std::size_t>(row) * image.width + i) * 4];
      for (int c = 0; c < 4; ++c) o[c] = static_cast<std::uint8_t>(p >> (8 * c));
    }
  }
  return out;
}

float RasterImage::pixelX(float x) const {
  return static_cast<float>((x - box.x0) / box.width() * width - 0.5);
}

float RasterImage::pixelY(float y) const {
  return static_cast<float>((y - box.y0) / box.height() * height - 0.5);
}

void drawDiscs(RasterImage& image, const float* xy, int n, const PackedRgb* colours, PackedRgb flat,
               float radius, float alpha) {
  if (image.width <= 0 || image.height <= 0 || alpha <= 0.0f || n <= 0) return;
  const float sx = static_cast<float>(image.width / image.box.width());
  const float sy = static_cast<float>(image.height / image.box.height());
  const float ox = static_cast<float>(image.box.x0), oy = static_cast<float>(image.box.y0);
  // Coverage 1 inside radius − ½, falling to 0 at radius + ½ (a box-filtered disc edge).
  const float reach = radius + 0.5f;
  // Why stamps: the coverage of a disc depends only on where its centre falls inside a pixel.
  // With that position rounded to 1/kSub of a pixel (an error ≤ 1/16 px), the weights of every
  // covered pixel are computed once per call, and a disc is a short list of blends.
  constexpr int kSub = 8;
  const int r = static_cast<int>(std::ceil(reach));
  struct Tap {
    int di, dj;
    std::uint32_t weight;  // alpha·coverage in [0, 256]
  };
  std::vector<Tap> taps;
  std::vector<int> start((kSub + 1) * (kSub + 1) + 1, 0);
  for (int qy = 0; qy <= kSub; ++qy)
    for (int qx = 0; qx <= kSub; ++qx) {
      const float fx = static_cast<float>(qx) / kSub, fy = static_cast<float>(qy) / kSub;
      for (int dj = -r; dj <= r + 1; ++dj)
        for (int di = -r; di <= r + 1; ++di) {
          const float d = std::sqrt((di - fx) * (di - fx) + (dj - fy) * (dj - fy));
          const float cover = std::clamp(reach - d, 0.0f, 1.0f);
          const auto w = static_cast<std::uint32_t>(alpha * cover * 256.0f + 0.5f);
          if (w > 0) taps.push_back({di, dj, std::min<std::uint32_t>(w, 256)});
        }
      start[qy * (kSub + 1) + qx + 1] = static_cast<int>(taps.size());
    }
  const int w = image.width, h = image.height;
  std::uint32_t* pixels = image.pixels.data();
  for (int k = 0; k < n; ++k) {
    const float px = (xy[2 * k] - ox) * sx - 0.5f, py = (xy[2 * k + 1] - oy) * sy - 0.5f;
    if (!(px > -reach && px < w - 1 + reach && py > -reach && py < h - 1 + reach)) continue;
    const float bx = std::floor(px), by = std::floor(py);
    const int qx = static_cast<int>((px - bx) * kSub + 0.5f);
    const int qy = static_cast<int>((py - by) * kSub + 0.5f);
    const int i = static_cast<int>(bx), j = static_cast<int>(by);
    const std::uint32_t c = (colours ? colours[k] : flat) | 0xff000000u;
    const int q = qy * (kSub + 1) + qx;
    const bool inside = i - r >= 0 && i + r + 1 < w && j - r >= 0 && j + r + 1 < h;
    for (int t = start[q]; t < start[q + 1]; ++t) {
      const Tap& tap = taps[t];
      const int ii = i + tap.di, jj = j + tap.dj;
      if (!inside && (ii < 0 || ii >= w || jj < 0 || jj >= h)) continue;
      std::uint32_t& dst = pixels[static_cast<std::size_t>(jj) * w + ii];
      dst = lerpPacked(dst, c, tap.weight);
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

void fillOpaque(RasterImage& image, PackedRgb colour) {
  std::fill(image.pixels.begin(), image.pixels.end(), (colour & 0xffffffu) | 0xff000000u);
}

void drawHeatmap(RasterImage& image, const std::uint32_t* texels, int gridWidth, int gridHeight,
                 const core::Box& gridBox, float opacity) {
  const int w = image.width, h = image.height;
  if (w <= 0 || h <= 0 || gridWidth <= 0 || gridHeight <= 0 || !(opacity > 0.0f) ||
      !(gridBox.width() > 0.0) || !(gridBox.height() > 0.0))
    return;
  const double dx = image.box.width() / w, dy = image.box.height() / h;
  // Pixels whose centres x0 + (i + ½)·dx lie in [gridBox.x0, gridBox.x1), as GL fills a quad.
  const auto first = [](double u, int n) {
    return static_cast<int>(std::clamp(std::ceil(u - 0.5), 0.0, static_cast<double>(n)));
  };
  const int i0 = first((gridBox.x0 - image.box.x0) / dx, w);
  const int i1 = first((gridBox.x1 - image.box.x0) / dx, w);
  const int j0 = first((gridBox.y0 - image.box.y0) / dy, h);
  const int j1 = first((gridBox.y1 - image.box.y0) / dy, h);
  if (i0 >= i1 || j0 >= j1) return;

  // Texel coordinate of a pixel centre (texel centres at integers), clamped to the edge texels,
  // with an 8-bit weight as GL's own bilinear filter has.
  struct Tap {
    int a, b;
    std::uint32_t w;
  };
  const auto tap = [](double u, int n) {
    const double k = std::floor(u);
    const int a = static_cast<int>(std::clamp(k, 0.0, n - 1.0));
    const int b = static_cast<int>(std::clamp(k + 1.0, 0.0, n - 1.0));
    return Tap{a, b, weight(static_cast<float>(u - k))};
  };
  std::vector<Tap> columns(static_cast<std::size_t>(i1 - i0));
  for (int i = i0; i < i1; ++i) {
    const double x = image.box.x0 + (i + 0.5) * dx;
    columns[i - i0] = tap((x - gridBox.x0) / gridBox.width() * gridWidth - 0.5, gridWidth);
  }
  // Separable: first between the two grid rows (once per image row, gridWidth texels, with the
  // opacity folded in), then between the two columns for each pixel.
  const std::uint32_t scale = weight(std::min(opacity, 1.0f));
  std::vector<std::uint32_t> row(static_cast<std::size_t>(gridWidth));
  for (int j = j0; j < j1; ++j) {
    const double y = image.box.y0 + (j + 0.5) * dy;
    const Tap r = tap((y - gridBox.y0) / gridBox.height() * gridHeight - 0.5, gridHeight);
    const std::uint32_t* lower = texels + static_cast<std::size_t>(r.a) * gridWidth;
    const std::uint32_t* upper = texels + static_cast<std::size_t>(r.b) * gridWidth;
    for (int k = 0; k < gridWidth; ++k)
      row[k] = scalePacked(lerpPacked(lower[k], upper[k], r.w), scale);
    std::uint32_t* out = image.pixels.data() + static_cast<std::size_t>(j) * w;
    for (int i = i0; i < i1; ++i) {
      const Tap& t = columns[i - i0];
      const std::uint32_t src = lerpPacked(row[t.a], row[t.b], t.w);
      if (src != 0) out[i] = overPacked(out[i], src);
    }
  }
}

void drawVerticalLine(RasterImage& image, double x, PackedRgb colour, float alpha) {
  if (image.width <= 0 || image.height <= 0) return;
  const double u = std::floor((x - image.box.x0) / image.box.width() * image.width);
  if (!(u >= 0.0 && u < image.width)) return;
  const int i = static_cast<int>(u);
  for (int j = 0; j < image.height; ++j)
    blend(image.pixels[static_cast<std::size_t>(j) * image.width + i], colour, alpha);
}

void drawHorizontalLine(RasterImage& image, double y, PackedRgb colour, float alpha) {
  if (image.width <= 0 || image.height <= 0) return;
  const double v = std::floor((y - image.box.y0) / image.box.height() * image.height);
  if (!(v >= 0.0 && v < image.height)) return;
  std::uint32_t* row = image.pixels.data() + static_cast<std::size_t>(v) * image.width;
  for (int i = 0; i < image.width; ++i) blend(row[i], colour, alpha);
}

void drawArrow(RasterImage& image, float cx, float cy, float dirX, float dirY,
               const ArrowShape& shape, PackedRgb colour, float alpha) {
  const int w = image.width, h = image.height;
  const float len = shape.length;
  if (w <= 0 || h <= 0 || !(len >= 0.5f) || !(alpha > 0.0f)) return;
  // Arrow coordinates: a along the arrow (tail at −len/2, tip at +len/2), b across it.
  const float head = std::min(shape.headLength, 0.5f * len);
  const float headHalf =
      shape.headLength > 0.0f ? shape.headHalfWidth * head / shape.headLength : 0.0f;
  const float shaftHalf = shape.shaftHalfWidth;
  const float tip = 0.5f * len, base = tip - head, tail = -0.5f * len;
  const float shaftMid = 0.5f * (tail + base), shaftHalfLen = 0.5f * (base - tail);
  // Head sides: the lines through (base, ±headHalf) and (tip, 0), outward unit normals.
  const float side = std::sqrt(headHalf * headHalf + head * head);
  const float na = side > 0.0f ? headHalf / side : 0.0f, nb = side > 0.0f ? head / side : 0.0f;

  // Bounding box of the outline, one pixel wider for the anti-aliased edge.
  const float across = std::max(shaftHalf, headHalf) + 1.0f;
  const float reachX = std::abs(dirX) * (tip + 1.0f) + std::abs(dirY) * across;
  const float reachY = std::abs(dirY) * (tip + 1.0f) + std::abs(dirX) * across;
  const int i0 = std::max(0, static_cast<int>(std::floor(cx - reachX)));
  const int i1 = std::min(w - 1, static_cast<int>(std::ceil(cx + reachX)));
  const int j0 = std::max(0, static_cast<int>(std::floor(cy - reachY)));
  const int j1 = std::min(h - 1, static_cast<int>(std::ceil(cy + reachY)));
  for (int j = j0; j <= j1; ++j) {
    std::uint32_t* row = image.pixels.data() + static_cast<std::size_t>(j) * w;
    const float qy = j - cy;
    for (int i = i0; i <= i1; ++i) {
      const float qx = i - cx;
      const float a = qx * dirX + qy * dirY;
      const float b = std::abs(qy * dirX - qx * dirY);
      // Signed distances (negative inside) to the shaft rectangle and to the head triangle,
      // each the largest of its edges' distances.
      const float dShaft = std::max(std::abs(a - shaftMid) - shaftHalfLen, b - shaftHalf);
      const float dHead = head > 0.0f ? std::max(base - a, (a - tip) * na + b * nb) : 1e30f;
      const float cover = std::clamp(0.5f - std::min(dShaft, dHead), 0.0f, 1.0f);
      if (cover > 0.0f) blend(row[i], colour, alpha * cover);
    }
  }
}

}  // namespace flowlab::core
