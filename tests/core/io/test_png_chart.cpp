// Tests of the CLI's pictures: text keeps every glyph of long digit strings, lines land on their
// end points, and charts draw their series where the data says (log axes included).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/io/png_chart.hpp"

using namespace flowlab::core;

namespace {

const Colour kBlack{0, 0, 0}, kWhite{1, 1, 1}, kRed{1, 0, 0};

long litPixels(const RgbImage& image, int x0, int x1) {
  long n = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = x0; x < x1 && x < image.width; ++x)
      n += image.rgb[(static_cast<std::size_t>(y) * image.width + x) * 3] > 0;
  return n;
}

bool isColour(const RgbImage& image, int x, int y, Colour c) {
  const std::uint8_t* p = &image.rgb[(static_cast<std::size_t>(y) * image.width + x) * 3];
  return p[0] == channelByte(c.r) && p[1] == channelByte(c.g) && p[2] == channelByte(c.b);
}

}  // namespace

TEST_CASE("text: every glyph of a long run of digits is drawn in full") {
  RgbImage one(40, 12, kBlack), many(400, 12, kBlack);
  drawText(one, 0, 0, "0", kWhite);
  const std::string digits(40, '0');
  drawText(many, 0, 0, digits, kWhite);
  const int advance = textWidth("00") - textWidth("0");
  const long glyph = litPixels(one, 0, 40);
  REQUIRE(glyph > 0);
  // The last zero has as many lit pixels as a zero alone.
  const int last = textWidth(digits) - advance;
  CHECK(litPixels(many, last, last + advance) == glyph);
}

TEST_CASE("drawLine covers both end points and stays inside the image") {
  RgbImage image(20, 10, kBlack);
  drawLine(image, 2, 3, 15, 8, kRed);
  CHECK(isColour(image, 2, 3, kRed));
  CHECK(isColour(image, 15, 8, kRed));
  CHECK(isColour(image, 0, 0, kBlack));
  drawLine(image, -50, -50, 100, 100, kRed, 3);  // clipped, no crash
  CHECK(isColour(image, 5, 5, kRed));
}

TEST_CASE("a log-log chart puts a power law on a straight line, an empty chart says no data") {
  ChartSpec spec;
  spec.logX = spec.logY = true;
  ChartSeries s;
  s.colour = kRed;
  for (int n : {1, 10, 100}) {
    s.x.push_back(n);
    s.y.push_back(1.0 / (n * n));
  }
  s.x.push_back(1000);
  s.y.push_back(-1.0);  // not drawable on a log axis: skipped
  spec.series.push_back(s);
  RgbImage image(300, 200, kBlack);
  drawChart(image, 0, 0, 300, 200, spec);
  // The three dots' centres are red and equally spaced (a straight line on log-log axes).
  std::vector<std::pair<int, int>> reds;
  for (int x = 0; x < 300; ++x)
    for (int y = 0; y < 200; ++y)
      if (isColour(image, x, y, kRed)) reds.emplace_back(x, y);
  REQUIRE(!reds.empty());
  const auto [minX, maxX] = std::minmax_element(reds.begin(), reds.end());
  CHECK(maxX->first - minX->first > 150);  // spans the plot area
  CHECK(minX->second < maxX->second);      // falls to the right

  ChartSpec empty;
  empty.title = "nothing";
  RgbImage blank(200, 120, kBlack);
  drawChart(blank, 0, 0, 200, 120, empty);
  CHECK(litPixels(blank, 0, 200) > 0);  // the frame, the title and "no data"
}
