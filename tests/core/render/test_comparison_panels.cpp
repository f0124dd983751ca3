// The comparison's small multiples: a column per row, the coupling's crossing lines in red.
#include <doctest/doctest.h>

#include "core/render/comparison_panels.hpp"

using namespace flowlab::core;

namespace {

// A row whose coupling joins base point i to ends(i), with two-state "paths" along the same lines.
ComparisonRow row(const std::string& name, const Points& base, const Points& ends) {
  ComparisonRow r;
  r.name = name;
  r.couplingEnds = ends;
  r.couplingCrossings = 0;
  r.measured.endpoints = ends;
  r.measured.paths = {base, ends};
  r.measured.figures.nfe = 400;
  return r;
}

// Pixels that are clearly red (the crossing colour), in the image's lower half (the couplings).
int redPixels(const RgbImage& image, int x0, int x1) {
  int count = 0;
  for (int y = image.height / 2; y < image.height; ++y)
    for (int x = x0; x < x1; ++x) {
      const std::uint8_t* p = &image.rgb[(std::size_t(y) * image.width + x) * 3];
      if (p[0] > 200 && p[1] < 120 && p[2] < 120) ++count;
    }
  return count;
}

}  // namespace

TEST_CASE("comparison panels: a column per row, crossing coupling lines drawn red, others not") {
  Comparison c;
  c.base = Points(2, 2);
  c.base << -2, 2, -2, -2;  // (−2, −2) and (2, −2)
  c.target = Points(2, 2);
  c.target << -2, 2, 2, 2;
  Points crossed(2, 2), parallel(2, 2);
  crossed << 2, -2, 2, 2;  // (−2,−2) → (2, 2) and (2,−2) → (−2, 2): an X
  parallel << -2, 2, 2, 2;
  c.rows = {row("tangled", c.base, crossed), row("straight", c.base, parallel)};
  const int size = 120;
  const RgbImage image = comparisonPanels(c, size);
  CHECK(image.width == 10 + 2 * (size + 10));
  CHECK(image.height > 2 * size);
  const int split = 10 + size + 5;
  CHECK(redPixels(image, 0, split) > 50);
  CHECK(redPixels(image, split, image.width) == 0);
  CHECK_THROWS_AS(comparisonPanels(Comparison{}), std::invalid_argument);
}

TEST_CASE("comparison box: square, around the points, never smaller than [-3, 3]") {
  Comparison c;
  c.base = Points::Zero(2, 1);
  c.target = Points(2, 1);
  c.target << 10, 1;
  const Box b = comparisonBox(c);
  CHECK(b.x1 - b.x0 == doctest::Approx(b.y1 - b.y0));
  CHECK(b.x1 >= 10.0);
  CHECK(b.x0 <= -3.0);
  CHECK(b.y0 <= -3.0);
}
