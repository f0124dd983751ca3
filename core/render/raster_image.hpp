// CPU rasterisation of the canvas into one RGBA8 image that the GPU draws as a single quad:
// heatmaps, grid lines, arrows, lines and discs.
// Why: software GL (llvmpipe) pays about 1 µs of set-up per point or line primitive whatever its
// size, so 20,000 particles cost ~15 ms a frame as GL points; splatting them here costs ~1 ms.
// Blended full-canvas quads (heatmaps) cost it a few ms each; one opaque quad is the cheapest
// picture it can draw.
// GL-free; any thread, but one image is written by one thread at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/colour.hpp"
#include "core/base/types.hpp"
#include "core/render/image_io.hpp"

namespace flowlab::core {

using core::PackedRgb;  // 0x00BBGGRR, 8 bits a channel, not premultiplied (core::packed)

// width × height premultiplied RGBA8 pixels over a world box. Row 0 is the bottom (y0), as GL
// textures are; pixel (i, j) has its centre at world (x0 + (i + ½)·dx, y0 + (j + ½)·dy).
struct RasterImage {
  int width = 0, height = 0;
  core::Box box{};
  std::vector<std::uint32_t> pixels;  // width·height, 0xAABBGGRR (R in the lowest byte)

  // Sets the size and box and clears to transparent; reuses the storage when it is big enough.
  void reset(int w, int h, const core::Box& worldBox);
  std::uint32_t at(int i, int j) const { return pixels[static_cast<std::size_t>(j) * width + i]; }
  // World point → continuous pixel coordinates (pixel centres at integers).
  float pixelX(float x) const;
  float pixelY(float y) const;
};

// The image as RGBA rows, first row at the TOP (for PNG files): what the canvas shows, without
// anything drawn over it.
RgbaImage toRgba(const RasterImage& image);

// Anti-aliased discs of `radius` pixels at n world points (xy: x0, y0, x1, y1, …, as the columns
// of a 2×n core::Points), blended over the image in order. colours: n packed colours, or null
// for `flat` on every disc. alpha in [0, 1] is the opacity inside the disc.
void drawDiscs(RasterImage& image, const float* xy, int n, const PackedRgb* colours, PackedRgb flat,
               float radius, float alpha);

// An anti-aliased line segment about one pixel wide between continuous pixel positions
// (ax, ay) → (bx, by), opacity varying linearly from alphaA to alphaB. Segments of a polyline
// share end points; a pixel past the end belongs to the next segment unless `last`, and a pixel
// before the start only to the first segment (`first`), so joints are not blended twice.
void drawSegment(RasterImage& image, float ax, float ay, float bx, float by, PackedRgb colour,
                 float alphaA, float alphaB, bool first, bool last);

// Every pixel set to an opaque colour.
void fillOpaque(RasterImage& image, PackedRgb colour);

// A colour-mapped grid: gridWidth × gridHeight premultiplied RGBA8 texels (0xAABBGGRR, row 0 at
// the bottom) over the world box gridBox, sampled at each pixel centre inside gridBox as a
// GL_LINEAR, clamp-to-edge texture is (bilinear between cell centres), scaled by `opacity` and
// composited over the image (premultiplied "over").
void drawHeatmap(RasterImage& image, const std::uint32_t* texels, int gridWidth, int gridHeight,
                 const core::Box& gridBox, float opacity);

// A one-pixel line across the whole image: the column holding world x (vertical) or the row
// holding world y (horizontal). Nothing when the coordinate is outside the box.
void drawVerticalLine(RasterImage& image, double x, PackedRgb colour, float alpha);
void drawHorizontalLine(RasterImage& image, double y, PackedRgb colour, float alpha);

// An arrow centred on the continuous pixel position (cx, cy), pointing along the unit vector
// (dirX, dirY), `length` pixels from tail to tip: a shaft `shaftHalfWidth` pixels either side of
// its axis and a triangular head `headLength` long and `headHalfWidth` either side at its base.
// Anti-aliased (coverage from the distance to the outline). Shorter than half a pixel: nothing.
struct ArrowShape {
  float length = 0.0f, shaftHalfWidth = 0.75f, headLength = 0.0f, headHalfWidth = 0.0f;
};
void drawArrow(RasterImage& image, float cx, float cy, float dirX, float dirY,
               const ArrowShape& shape, PackedRgb colour, float alpha);

}  // namespace flowlab::core
