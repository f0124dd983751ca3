// The CPU rasteriser of the canvas's point layers: disc and line coverage, clipping, joints,
// the painter's layers and the raster worker's hand-off.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "app/canvas_raster.hpp"
#include "app/canvas_painter.hpp"
#include "app/raster_worker.hpp"

using namespace flowlab;
using namespace flowlab::app;

namespace {

int alphaAt(const RasterImage& image, int i, int j) { return image.at(i, j) >> 24; }
int redAt(const RasterImage& image, int i, int j) { return image.at(i, j) & 0xff; }

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
  drawDiscs(image, xy, 1, nullptr, packRgb(1, 0, 0), 1.5f, 1.0f);
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
  drawDiscs(image, xy, 4, nullptr, packRgb(1, 1, 1), 0.5f, 0.5f);
  // Two discs of opacity ½ over each other: 1 − (1 − ½)² = ¾.
  CHECK(alphaAt(image, 2, 0) == doctest::Approx(191).epsilon(0.02));
  CHECK(alphaAt(image, 2, 9) == 0);  // row 0 is the bottom of the world box
  long sum = 0;
  for (int i = 0; i < 20; ++i) sum += alphaAt(image, i, 9);
  CHECK(sum == 0);
}

TEST_CASE("canvas raster: a segment covers the pixels on it once, and polyline joints once") {
  RasterImage image = unitImage();
  drawSegment(image, 2.0f, 5.0f, 12.0f, 5.0f, packRgb(0, 1, 0), 1.0f, 1.0f, true, true);
  for (int i = 2; i <= 12; ++i) CHECK(alphaAt(image, i, 5) == 255);
  CHECK(alphaAt(image, 7, 4) == 0);
  CHECK(alphaAt(image, 7, 6) == 0);
  CHECK(alphaAt(image, 15, 5) == 0);

  // Opacity runs from alphaA to alphaB along the segment.
  RasterImage fade = unitImage();
  drawSegment(fade, 0.0f, 2.0f, 10.0f, 2.0f, packRgb(1, 1, 1), 0.0f, 1.0f, true, true);
  CHECK(alphaAt(fade, 5, 2) == doctest::Approx(128).epsilon(0.02));
  CHECK(alphaAt(fade, 2, 2) < alphaAt(fade, 8, 2));

  // Two half-opaque segments meeting at (6, 5): the joint is blended once, not twice.
  RasterImage joint = unitImage();
  drawSegment(joint, 2.0f, 5.0f, 6.0f, 5.0f, packRgb(1, 1, 1), 0.5f, 0.5f, true, false);
  drawSegment(joint, 6.0f, 5.0f, 10.0f, 5.0f, packRgb(1, 1, 1), 0.5f, 0.5f, false, true);
  CHECK(alphaAt(joint, 6, 5) == alphaAt(joint, 4, 5));
  CHECK(alphaAt(joint, 6, 5) == doctest::Approx(128).epsilon(0.02));
}

TEST_CASE("point layers painter: particles at t, paths behind t, switches respected") {
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
  table->valid = 1;
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
  CHECK(alphaAt(image, 10, 4) > 0);  // pixel (10, 4) spans x ∈ [10, 11], y ∈ [4, 5]
  CHECK(alphaAt(image, 3, 4) == 0);

  // Pathlines only: drawn behind the particle (x from 10 − 16·trail to 10), none ahead.
  request.view.particles = false;
  request.view.paths = true;
  request.view.trail = 0.25f;  // back to x = 6
  request.view.pathAlpha = 1.0f;
  CHECK(painter.paint(request, image));
  CHECK(alphaAt(image, 8, 4) + alphaAt(image, 8, 5) > 0);
  CHECK(alphaAt(image, 14, 4) + alphaAt(image, 14, 5) == 0);
  CHECK(alphaAt(image, 3, 4) + alphaAt(image, 3, 5) == 0);
  // Older parts are fainter.
  CHECK(alphaAt(image, 7, 4) + alphaAt(image, 7, 5) < alphaAt(image, 9, 4) + alphaAt(image, 9, 5));

  // Everything off: a transparent image, reported as empty.
  request.view.paths = false;
  CHECK_FALSE(painter.paint(request, image));
  CHECK(totalAlpha(image) == 0);
}

TEST_CASE("raster worker: answers the newest request without the caller waiting") {
  RasterWorker worker;
  CHECK(worker.latest() == nullptr);
  CanvasRequest request;
  request.box = {0.0, 0.0, 1.0, 1.0};
  request.width = 64;
  request.height = 32;
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) last = worker.request(request);
  REQUIRE(worker.waitFor(last, std::chrono::seconds(5)));
  const auto image = worker.latest();
  REQUIRE(image);
  CHECK(image->sequence == last);
  CHECK(image->image.width == 64);
  CHECK(image->image.height == 32);
  CHECK(image->empty);
}
