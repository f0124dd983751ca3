// The CPU rasteriser of the canvas: disc, line and arrow coverage, clipping, joints, bilinear
// heatmaps, the painter's layers (colours, order, the cached background), the solver lab.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>

#include "core/render/canvas_painter.hpp"
#include "core/render/colours.hpp"
#include "core/render/heatmap_colours.hpp"
#include "core/render/raster_image.hpp"
#include "core/render/solver_lab_painter.hpp"

using namespace flowlab;
using namespace flowlab::core;

namespace {

int alphaAt(const RasterImage& image, int i, int j) { return image.at(i, j) >> 24; }
int redAt(const RasterImage& image, int i, int j) { return image.at(i, j) & 0xff; }
int channel(std::uint32_t pixel, int c) { return static_cast<int>((pixel >> (8 * c)) & 0xffu); }

// Premultiplied "over" of src (scaled by opacity) on an opaque dst, per channel, as the GL
// blend ONE, ONE_MINUS_SRC_ALPHA did.
std::uint32_t over(std::uint32_t dst, std::uint32_t src, float opacity) {
  const float keep = 1.0f - opacity * channel(src, 3) / 255.0f;
  std::uint32_t out = 0;
  for (int c = 0; c < 4; ++c)
    out |=
        static_cast<std::uint32_t>(std::lround(opacity * channel(src, c) + keep * channel(dst, c)))
        << (8 * c);
  return out;
}

// Every channel within `tolerance` of the expected pixel's.
bool near(std::uint32_t pixel, std::uint32_t expected, int tolerance = 1) {
  for (int c = 0; c < 4; ++c)
    if (std::abs(channel(pixel, c) - channel(expected, c)) > tolerance) return false;
  return true;
}

// How far a pixel is from the canvas background (sum over R, G, B): 0 where nothing painted.
int ink(const RasterImage& image, int i, int j) {
  int sum = 0;
  for (int c = 0; c < 3; ++c)
    sum += std::abs(channel(image.at(i, j), c) - channel(kCanvasBackground, c));
  return sum;
}

// Sum of alpha over the pixels whose centres lie within the disc of `radius` around (x, y),
// pixel coordinates.
long alphaNear(const RasterImage& image, float x, float y, float radius) {
  long sum = 0;
  for (int j = 0; j < image.height; ++j)
    for (int i = 0; i < image.width; ++i)
      if ((i - x) * (i - x) + (j - y) * (j - y) <= radius * radius) sum += alphaAt(image, i, j);
  return sum;
}

long totalAlpha(const RasterImage& image) {
  long sum = 0;
  for (std::uint32_t p : image.pixels) sum += p >> 24;
  return sum;
}

// A 20×10 pixel image over the world box [0, 20] × [0, 10]: one world unit per pixel, pixel
// (i, j) centred at world (i + ½, j + ½).
RasterImage unitImage() {
  RasterImage image;
  image.reset(20, 10, {0.0, 0.0, 20.0, 10.0});
  return image;
}

}  // namespace

TEST_CASE("canvas raster: a disc covers its centre fully and fades to nothing past its radius") {
  RasterImage image = unitImage();
  const float xy[] = {5.5f, 4.5f};  // the centre of pixel (5, 4)
  drawDiscs(image, xy, 1, nullptr, core::packed({1, 0, 0}), 1.5f, 1.0f);
  CHECK(alphaAt(image, 5, 4) == 255);
  CHECK(redAt(image, 5, 4) == 255);
  CHECK(alphaAt(image, 6, 4) == 255);  // distance 1 < radius − ½
  CHECK(alphaAt(image, 6, 5) > 0);     // distance √2 ≈ 1.41: partly covered
  CHECK(alphaAt(image, 6, 5) < 255);
  CHECK(alphaAt(image, 7, 4) == 0);  // distance 2 = radius + ½
  CHECK(alphaAt(image, 0, 0) == 0);
  // Premultiplied: red never exceeds alpha.
  for (std::uint32_t p : image.pixels) CHECK((p & 0xff) <= (p >> 24));
}

TEST_CASE("canvas raster: opacity blends, points outside the box are skipped, rows start at y0") {
  RasterImage image = unitImage();
  const float xy[] = {2.5f, 0.5f, 2.5f, 0.5f, 100.0f, 100.0f, -50.0f, 3.0f};
  drawDiscs(image, xy, 4, nullptr, core::packed({1, 1, 1}), 0.5f, 0.5f);
  // Two discs of opacity ½ over each other: 1 − (1 − ½)² = ¾.
  CHECK(alphaAt(image, 2, 0) == doctest::Approx(191).epsilon(0.02));
  CHECK(alphaAt(image, 2, 9) == 0);  // row 0 is the bottom of the world box
  long sum = 0;
  for (int i = 0; i < 20; ++i) sum += alphaAt(image, i, 9);
  CHECK(sum == 0);
}

TEST_CASE("canvas raster: a segment covers the pixels on it once, and polyline joints once") {
  RasterImage image = unitImage();
  drawSegment(image, 2.0f, 5.0f, 12.0f, 5.0f, core::packed({0, 1, 0}), 1.0f, 1.0f, true, true);
  for (int i = 2; i <= 12; ++i) CHECK(alphaAt(image, i, 5) == 255);
  CHECK(alphaAt(image, 7, 4) == 0);
  CHECK(alphaAt(image, 7, 6) == 0);
  CHECK(alphaAt(image, 15, 5) == 0);

  // Opacity runs from alphaA to alphaB along the segment.
  RasterImage fade = unitImage();
  drawSegment(fade, 0.0f, 2.0f, 10.0f, 2.0f, core::packed({1, 1, 1}), 0.0f, 1.0f, true, true);
  CHECK(alphaAt(fade, 5, 2) == doctest::Approx(128).epsilon(0.02));
  CHECK(alphaAt(fade, 2, 2) < alphaAt(fade, 8, 2));

  // Two half-opaque segments meeting at (6, 5): the joint is blended once, not twice.
  RasterImage joint = unitImage();
  drawSegment(joint, 2.0f, 5.0f, 6.0f, 5.0f, core::packed({1, 1, 1}), 0.5f, 0.5f, true, false);
  drawSegment(joint, 6.0f, 5.0f, 10.0f, 5.0f, core::packed({1, 1, 1}), 0.5f, 0.5f, false, true);
  CHECK(alphaAt(joint, 6, 5) == alphaAt(joint, 4, 5));
  CHECK(alphaAt(joint, 6, 5) == doctest::Approx(128).epsilon(0.02));
}

TEST_CASE("canvas painter: particles at t, paths behind t, switches respected") {
  auto table = std::make_shared<core::ParticleTable>();
  table->times = {0.0, 0.5, 1.0};
  table->start = core::Points(2, 1);
  table->start << 0.0f, 0.0f;
  // One particle moving along y = 5 from x = 2 (t = 0) to x = 18 (t = 1), uniformly.
  for (double s : table->times) {
    core::Points p(2, 1);
    p << static_cast<float>(2.0 + 16.0 * s), 5.0f;
    table->positions.push_back(p);
  }
  auto frame = std::make_shared<core::ViewFrame>();
  frame->particles = table;

  CanvasRequest request;
  request.frame = frame;
  request.t = 0.5;  // the particle is at x = 10
  request.box = {0.0, 0.0, 20.0, 10.0};
  request.width = 20;
  request.height = 10;
  request.view.particles = true;
  request.view.paths = false;
  request.view.targetSamples = false;
  request.view.particleAlpha = 1.0f;

  CanvasPainter painter;
  RasterImage image;
  CHECK(painter.paint(request, image));
  CHECK(ink(image, 10, 4) > 0);  // pixel (10, 4) spans x ∈ [10, 11], y ∈ [4, 5]
  CHECK(ink(image, 3, 4) == 0);

  // Pathlines only: drawn behind the particle (x from 10 − 16·trail to 10), none ahead.
  request.view.particles = false;
  request.view.paths = true;
  request.view.trail = 0.25f;  // back to x = 6
  request.view.pathAlpha = 1.0f;
  CHECK(painter.paint(request, image));
  CHECK(ink(image, 8, 4) + ink(image, 8, 5) > 0);
  CHECK(ink(image, 14, 4) + ink(image, 14, 5) == 0);
  CHECK(ink(image, 3, 4) + ink(image, 3, 5) == 0);
  // Older parts are fainter.
  CHECK(ink(image, 7, 4) + ink(image, 7, 5) < ink(image, 9, 4) + ink(image, 9, 5));

  // Everything off: the background colour everywhere but for the axes' rows and columns.
  request.view.paths = false;
  CHECK(painter.paint(request, image));
  for (std::uint32_t p : image.pixels) CHECK((p >> 24) == 255);
  CHECK(image.at(10, 4) == (kCanvasBackground | 0xff000000u));
  CHECK(image.at(3, 4) == (kCanvasBackground | 0xff000000u));
}

TEST_CASE("canvas raster: a heatmap is the texel colour at cell centres and bilinear between") {
  // A 4×2 grid over [0, 4] × [0, 2] and a 12×6 image over the same box: pixel 3k + 1 has its
  // centre at the centre of cell k.
  const std::uint32_t red = 0xff0000ffu, blue = 0xffff0000u, clear = 0u;
  const std::uint32_t halfGreen = 0x80008000u;  // premultiplied: green 128 at alpha 128
  const std::uint32_t texels[] = {red, blue, clear, halfGreen,  // bottom row
                                  red, red,  blue,  blue};      // top row
  RasterImage image;
  image.reset(12, 6, {0.0, 0.0, 4.0, 2.0});
  fillOpaque(image, core::packed({0.2f, 0.2f, 0.2f}));
  const std::uint32_t bg = image.at(0, 0);
  drawHeatmap(image, texels, 4, 2, {0.0, 0.0, 4.0, 2.0}, 1.0f);
  for (int k = 0; k < 4; ++k)
    for (int m = 0; m < 2; ++m) {
      CAPTURE(k);
      CAPTURE(m);
      CHECK(near(image.at(3 * k + 1, 3 * m + 1), over(bg, texels[4 * m + k], 1.0f)));
    }
  // Between cell centres the colours mix linearly: in the top row pixel
  // (5, 4) is a third of the way from cell 1 (red) to cell 2 (blue): (2·red + blue) / 3.
  const std::uint32_t third = image.at(5, 4);
  CHECK(channel(third, 0) == doctest::Approx(170).epsilon(0.02));
  CHECK(channel(third, 2) == doctest::Approx(85).epsilon(0.03));
  // Past the outermost centres the edge texels are held (clamp to edge).
  CHECK(near(image.at(0, 5), over(bg, red, 1.0f)));
  CHECK(near(image.at(11, 5), over(bg, blue, 1.0f)));
  // Opacity scales the colour; a transparent texel leaves the background.
  RasterImage faint;
  faint.reset(12, 6, {0.0, 0.0, 4.0, 2.0});
  fillOpaque(faint, core::packed({0.2f, 0.2f, 0.2f}));
  drawHeatmap(faint, texels, 4, 2, {0.0, 0.0, 4.0, 2.0}, 0.5f);
  CHECK(near(faint.at(1, 1), over(bg, red, 0.5f)));
  CHECK(near(faint.at(7, 1), bg));
  CHECK(near(faint.at(10, 1), over(bg, halfGreen, 0.5f)));
}

TEST_CASE("canvas raster: a heatmap covers only the pixels whose centres lie in its box") {
  const std::uint32_t white = 0xffffffffu;
  const std::uint32_t texels[] = {white};
  RasterImage image = unitImage();  // 20×10 over [0, 20] × [0, 10]
  fillOpaque(image, 0);
  drawHeatmap(image, texels, 1, 1, {4.2, 2.0, 8.6, 30.0}, 1.0f);
  // Columns with centres 4.5 … 8.5, rows from 2.5 up to the top.
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 10; ++j) {
      const bool inside = i >= 4 && i <= 8 && j >= 2;
      CHECK((redAt(image, i, j) == 255) == inside);
    }
}

TEST_CASE("canvas raster: an arrow lies along its direction, head at the front, nothing past it") {
  for (const double angle : {0.0, 0.5, 1.9, 3.6, 5.0}) {
    CAPTURE(angle);
    RasterImage image;
    image.reset(61, 61, {0.0, 0.0, 61.0, 61.0});
    const float dx = static_cast<float>(std::cos(angle)), dy = static_cast<float>(std::sin(angle));
    ArrowShape shape;
    shape.length = 40.0f;
    shape.shaftHalfWidth = 0.75f;
    shape.headLength = 9.0f;
    shape.headHalfWidth = 5.0f;
    drawArrow(image, 30.0f, 30.0f, dx, dy, shape, core::packed({1, 1, 1}), 1.0f);
    long total = 0, front = 0;
    for (int j = 0; j < 61; ++j)
      for (int i = 0; i < 61; ++i) {
        const int a = alphaAt(image, i, j);
        if (a == 0) continue;
        total += a;
        const float along = (i - 30.0f) * dx + (j - 30.0f) * dy;
        const float across = std::abs((j - 30.0f) * dx - (i - 30.0f) * dy);
        // Every painted pixel within the outline plus the anti-aliased fringe.
        CHECK(std::abs(along) <= 20.0f + 1.1f);
        CHECK(across <= 5.0f + 1.0f);
        // Away from the head the arrow is only the shaft: no wider than it plus the fringe.
        if (along < 20.0f - 9.0f - 1.0f) CHECK(across <= 0.75f + 1.0f);
        if (along > 0.0f) front += a;
      }
    // The shaft is solid along the axis, from the tail to the head.
    for (float u = -18.0f; u <= 18.0f; u += 3.0f)
      CHECK(alphaNear(image, 30.0f + u * dx, 30.0f + u * dy, 0.8f) > 0);
    // The head makes the front half heavier than the back half.
    CHECK(front > 3 * (total - front) / 2);
    // Nothing beyond the tip or behind the tail.
    CHECK(alphaNear(image, 30.0f + 23.0f * dx, 30.0f + 23.0f * dy, 1.5f) == 0);
    CHECK(alphaNear(image, 30.0f - 23.0f * dx, 30.0f - 23.0f * dy, 1.5f) == 0);
  }
  // Shorter than half a pixel (a still point of the field): no arrow.
  RasterImage image = unitImage();
  ArrowShape still;
  still.length = 0.3f;
  still.headLength = 3.0f;
  still.headHalfWidth = 2.0f;
  drawArrow(image, 10.0f, 5.0f, 1.0f, 0.0f, still, core::packed({1, 1, 1}), 1.0f);
  CHECK(totalAlpha(image) == 0);
}

namespace {

// A frame with one layer kind filled in by the caller, over the box [0, 20] × [0, 10].
CanvasRequest emptyRequest(int width = 20, int height = 10) {
  CanvasRequest request;
  request.frame = std::make_shared<core::ViewFrame>();
  request.box = {0.0, 0.0, 20.0, 10.0};
  request.width = width;
  request.height = height;
  request.view = ViewSettings{};
  return request;
}

std::shared_ptr<core::GridLayer> gridLayer(int w, int h, const core::Box& box, float hi) {
  auto layer = std::make_shared<core::GridLayer>();
  layer->grid.width = w;
  layer->grid.height = h;
  layer->grid.box = box;
  layer->grid.values.resize(static_cast<std::size_t>(w) * h);
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i)
      layer->grid.values[static_cast<std::size_t>(j) * w + i] = hi - 0.5f * (i + 2 * j);
  layer->lo = hi - 20.0f;
  layer->hi = hi;
  return layer;
}

std::uint32_t packed(const std::array<std::uint8_t, 4>& c) {
  return c[0] | (c[1] << 8) | (c[2] << 16) | (static_cast<std::uint32_t>(c[3]) << 24);
}

}  // namespace

TEST_CASE("canvas painter: the density heatmap shows each cell's colour-mapped value") {
  // A 5×5 grid over the canvas box [0, 10]², painted as 15×15 pixels: 3 pixels per cell, so
  // pixel 3k + 1 sits on the centre of cell k.
  CanvasRequest request = emptyRequest(15, 15);
  request.box = {0.0, 0.0, 10.0, 10.0};
  auto frame = std::make_shared<core::ViewFrame>();
  const auto density = gridLayer(5, 5, {0.0, 0.0, 10.0, 10.0}, -1.0f);
  frame->density = density;
  request.frame = frame;
  request.view.density = true;
  request.view.densityOpacity = 0.8f;
  request.view.densityRange = 4.0f;
  request.view.particles = request.view.paths = request.view.field = false;
  request.view.targetSamples = false;
  CanvasPainter painter;
  RasterImage image;
  REQUIRE(painter.paint(request, image));
  const HeatmapRange range = densityRange(*density, 4.0f);
  const std::uint32_t background = kCanvasBackground | 0xff000000u;
  int differentColours = 0;
  std::uint32_t previous = 0;
  for (int k = 0; k < 5; ++k)
    for (int m = 0; m < 5; ++m) {
      CAPTURE(k);
      CAPTURE(m);
      const float value = density->grid.values[static_cast<std::size_t>(m) * 5 + k];
      const std::uint32_t cell =
          packed(heatmapColour(value, HeatmapRamp::Sequential, range.lo, range.hi));
      const std::uint32_t pixel = image.at(3 * k + 1, 3 * m + 1);
      // The axes cross at the world origin, pixel (0, 0): not a cell centre.
      CAPTURE(pixel);
      CAPTURE(over(background, cell, 0.8f));
      CHECK(near(pixel, over(background, cell, 0.8f)));
      differentColours += pixel != previous;
      previous = pixel;
    }
  CHECK(differentColours > 10);  // a real ramp, not one colour
}

TEST_CASE("canvas painter: arrows by speed, layers in order, background kept between frames") {
  CanvasRequest request = emptyRequest(80, 40);
  auto frame = std::make_shared<core::ViewFrame>();
  // Two arrows along +x on a 4×2 grid of 5-unit cells (20 pixels): a slow one at (2.5, 2.5)
  // and the fastest at (12.5, 7.5). The other samples are still.
  auto field = std::make_shared<core::FieldSamples>();
  field->cols = 4;
  field->rows = 2;
  field->box = {0.0, 0.0, 20.0, 10.0};
  field->positions = core::Points(2, 8);
  field->velocities = core::Points::Zero(2, 8);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 4; ++c) {
      field->positions(0, 4 * r + c) = 2.5f + 5.0f * c;
      field->positions(1, 4 * r + c) = 2.5f + 5.0f * r;
    }
  field->velocities(0, 0) = 0.3f;
  field->velocities(0, 6) = 1.0f;
  field->velocities(0, 3) = 3.0f;  // six times the typical speed: capped like twice it
  field->typicalSpeed = 0.5f;
  frame->field = field;
  request.frame = frame;
  request.view.particles = request.view.paths = request.view.density = false;
  request.view.targetSamples = false;
  request.view.field = request.view.arrows = true;
  request.view.arrowAlpha = 1.0f;
  CanvasPainter painter;
  RasterImage image;
  REQUIRE(painter.paint(request, image));
  const std::uint32_t background = kCanvasBackground | 0xff000000u;
  // Pixel of world point (x, y): 4 pixels per unit.
  auto at = [&](double x, double y) {
    return image.at(static_cast<int>(4 * x), static_cast<int>(4 * y));
  };
  // Lengths: 1.2 cells (20 px) · speed / (2 · typical speed), at most 1.2 cells, centred on the
  // sample.
  CHECK(at(12.5 + 1.8, 7.5) != background);  // 7 px right of the fast arrow's centre (24 px)
  CHECK(at(12.5 - 1.8, 7.5) != background);
  CHECK(at(2.5 + 1.8, 2.5) == background);  // the slow arrow is 7.2 px long
  CHECK(at(2.5 + 0.4, 2.5) != background);
  CHECK(at(17.5 + 2.6, 2.5) != background);  // the fastest arrow is capped at 24 px
  CHECK(at(17.5 + 3.6, 2.5) == background);
  CHECK(at(12.5, 7.5 + 1.5) == background);  // nothing across the shaft, away from the head
  CHECK(at(7.5, 2.5) == background);         // still samples: no arrow
  // Coloured by speed: the fast arrow is brighter (further up the ramp) than the slow one.
  const std::uint32_t fast = at(12.5 - 1.0, 7.5), slow = at(2.5 - 0.3, 2.5);
  CHECK(channel(fast, 0) + channel(fast, 1) > channel(slow, 0) + channel(slow, 1) + 40);

  // A particle over the fast arrow: particles stack on top of arrows.
  auto table = std::make_shared<core::ParticleTable>();
  table->times = {0.0, 1.0};
  table->start = core::Points(2, 1);
  table->start << 3.0f, 0.0f;  // start colour: a saturated hue
  core::Points p(2, 1);
  p << 11.5f, 7.5f;
  table->positions = {p, p};
  frame->particles = table;
  request.view.particles = true;
  request.view.particleAlpha = 1.0f;
  request.view.pointSize = 4.0f;
  RasterImage withParticle;
  REQUIRE(painter.paint(request, withParticle));
  const std::uint32_t dot = withParticle.at(46, 30);  // world (11.5, 7.5) + ½ pixel
  CHECK(dot != fast);
  CHECK(near(dot, core::packed(startColour(3.0f, 0.0f)) | 0xff000000u, 2));
  // Away from the particle the two pictures agree.
  CHECK(withParticle.at(4 * 2 + 1, 4 * 2 + 2) == image.at(4 * 2 + 1, 4 * 2 + 2));

  // A new field (a new layer object) repaints the background: the slow arrow is gone.
  auto still = std::make_shared<core::FieldSamples>(*field);
  still->velocities(0, 0) = 0.0f;
  frame->field = still;
  RasterImage repainted;
  REQUIRE(painter.paint(request, repainted));
  CHECK(repainted.at(static_cast<int>(4 * 2.7), 10) == background);
  CHECK(repainted.at(static_cast<int>(4 * 13.5), 30) != background);
}

TEST_CASE("canvas: a heatmap for another t fades with the gap, in steps, down to a floor") {
  CHECK(staleHeatmapFade(0.4, 0.4) == 1.0f);
  float previous = 1.0f;
  for (double gap = 0.01; gap <= 1.0; gap += 0.01) {
    const float fade = staleHeatmapFade(0.0, gap);
    CHECK(fade < 1.0f);
    CHECK(fade <= previous);
    CHECK(fade >= static_cast<float>(kStaleFadeFloor));
    CHECK(staleHeatmapFade(gap, 0.0) == fade);  // either side
    previous = fade;
  }
  CHECK(staleHeatmapFade(0.0, 1.0) == doctest::Approx(kStaleFadeFloor));
  // Within one step the fade does not change (the background is not repainted every frame).
  CHECK(staleHeatmapFade(0.0, 0.011) == staleHeatmapFade(0.0, 0.049));
}

TEST_CASE(
    "solver lab on the canvas: the error line runs from the particle to its reference "
    "position, and the step's chord and stage arrow appear from step 1") {
  // One particle moved by one Euler step from (5, 10) to (30, 10); the reference is at (30, 2)
  // (world units = pixels, row j at world y = j + 1/2).
  core::SolverLabLayer lab;
  lab.request.highlighted = 1;
  lab.run.times = {0.0, 1.0};
  core::Points a(2, 1), b(2, 1), ref(2, 1);
  a << 5.5f, 10.5f;
  b << 30.5f, 10.5f;
  ref << 30.5f, 2.5f;
  lab.run.states = {a, b};
  lab.reference = {a, ref};
  core::StepStages s;
  s.t = 0.0;
  s.h = 1.0;
  s.times = {0.0};
  s.points = {a};
  core::Points v(2, 1);
  v << 25.0f, 0.0f;
  s.velocities = {v};
  lab.run.stages = {s};
  ViewSettings view;
  auto painted = [&](int step, int marked = -1) {
    RasterImage image;
    image.reset(40, 20, {0.0, 0.0, 40.0, 20.0});
    fillOpaque(image, kCanvasBackground);
    const std::vector<PackedRgb> colours{core::packed({0.9f, 0.4f, 0.2f})};
    paintSolverLab(lab, step, marked, view, 1.0f, colours, image);
    return image;
  };
  const RasterImage atStart = painted(0), afterStep = painted(1);
  CHECK(ink(atStart, 18, 10) == 0);     // no move drawn yet
  CHECK(ink(afterStep, 18, 10) > 100);  // the chord and the k1 arrow along it
  CHECK(ink(atStart, 30, 4) == 0);
  CHECK(ink(afterStep, 30, 4) > 300);  // the white error line
  // The particle whose ledger is read out wears a yellow ring outside the white one.
  const RasterImage marked = painted(0, 0);
  CHECK(ink(atStart, 11, 10) == 0);
  CHECK(channel(marked.at(11, 10), 0) > 200);  // yellow: red and green, little blue
  CHECK(channel(marked.at(11, 10), 1) > 170);
  CHECK(channel(marked.at(11, 10), 2) < 80);
  CHECK(ink(painted(0, 1), 11, 10) == 0);  // not a highlighted particle: no ring
}

TEST_CASE("solver lab colours: by the ledger's sign, scaled by its 98th percentile") {
  core::PointRow ledger(1, 3);
  ledger << 2.0f, -2.0f, 0.0f;
  std::vector<PackedRgb> colours;
  std::vector<float> scratch;
  ledgerColours(ledger, colours, scratch);
  REQUIRE(colours.size() == 3);
  CHECK(colours[0] == core::packed(core::divergingColour(1.0)));   // red: spreading
  CHECK(colours[1] == core::packed(core::divergingColour(-1.0)));  // blue: gathering
  CHECK(colours[2] == core::packed(core::divergingColour(0.0)));
}

TEST_CASE("panels: the grid with the largest square panels, each fitting the whole view") {
  const core::Box box{-2.0, -1.0, 2.0, 1.0};  // 4 × 2 world units
  // Two panels on a wide canvas: side by side.
  PanelSpan a = panelSpan(box, 400, 100, 2, 0), b = panelSpan(box, 400, 100, 2, 1);
  CHECK(a.x0 == 0);
  CHECK(a.x1 == 200);
  CHECK(b.x0 == 200);
  CHECK(b.x1 == 400);
  CHECK(a.y0 == 0);
  CHECK(a.y1 == 100);
  // Each panel shows all of the box at one scale: here the height limits (2 units in 100 px).
  CHECK(a.box.height() == doctest::Approx(2.0));
  CHECK(a.box.width() == doctest::Approx(4.0));
  CHECK(0.5 * (a.box.x0 + a.box.x1) == doctest::Approx(0.0));
  // Four panels on a square canvas: two rows of two, the first row at the top.
  const PanelSpan first = panelSpan(box, 200, 200, 4, 0), last = panelSpan(box, 200, 200, 4, 3);
  CHECK(first.x1 == 100);
  CHECK(first.y1 == 200);  // raster rows count from the bottom
  CHECK(first.y0 == 100);
  CHECK(last.x0 == 100);
  CHECK(last.y0 == 0);
  CHECK(first.box.width() == doctest::Approx(4.0));  // the width limits (4 units in 100 px)
}

TEST_CASE("canvas painter: stages side by side, each panel with its own stage's particles") {
  // Two stages: the first puts its particle on the left of the view, the second on the right.
  auto layer = std::make_shared<CompareLayer>();
  for (float x : {-1.5f, 1.5f}) {
    auto table = std::make_shared<ParticleTable>();
    table->times = {0.0, 1.0};
    table->start = Points(2, 1);
    table->start << 0.0f, 0.0f;
    Points end(2, 1);
    end << x, 0.2f;  // off the axis (y = 0 is row 50)
    table->positions = {table->start, end};
    ComparePanel p;
    p.table = table;
    layer->panels.push_back(p);
  }
  CanvasRequest r;
  r.frame = std::make_shared<ViewFrame>();
  r.compare = layer;
  r.box = {-2.0, -1.0, 2.0, 1.0};
  r.width = 400;
  r.height = 100;
  r.t = 1.0;
  r.view.paths = r.view.targetSamples = false;
  r.view.pointSize = 6.0f;
  r.view.particleAlpha = 1.0f;
  CanvasPainter painter;
  RasterImage image;
  REQUIRE(painter.paint(r, image));
  REQUIRE(image.width == 400);
  // Panel 0 spans x in [0, 200) over the whole box: its particle at world (−1.5, 0.2) is at
  // pixel (25, 60); panel 1's at (+1.5, 0.2) at pixel (200 + 175, 60).
  CHECK(ink(image, 25, 60) > 100);
  CHECK(ink(image, 375, 60) > 100);
  CHECK(ink(image, 175, 60) == 0);  // panel 0 has nothing at +1.5
  CHECK(ink(image, 225, 60) == 0);  // panel 1 has nothing at −1.5
}
