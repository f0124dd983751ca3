// Pictures the CLI writes without a display: an 8-bit RGB image with text (stb_easy_font's
// segment glyphs, drawn as filled rectangles) and a labelled colour bar. GL-free; pure functions
// on caller-owned images, any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/base/colour.hpp"

namespace flowlab::core {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width·height·3, first row at the TOP

  RgbImage(int w, int h, Colour fill);
  void set(int x, int y, Colour c);  // ignores pixels outside
};

// Text with its top-left corner at (x, y) pixels, `scale` pixels per glyph unit (glyphs are
// about 6 units wide, 7 high). Returns the width drawn, in pixels.
int drawText(RgbImage& image, int x, int y, const std::string& text, Colour colour, int scale = 1);
int textWidth(const std::string& text, int scale = 1);

// A horizontal colour bar over [x, x + width) × [y, y + height) of ramp(s), s from 0 at the left
// to 1 at the right, with `lo` under its left end, `hi` under its right end and `caption` under
// its middle.
void drawColourBar(RgbImage& image, int x, int y, int width, int height,
                   const std::function<Colour(double)>& ramp, const std::string& lo,
                   const std::string& hi, const std::string& caption);

// Writes the image as a PNG atomically (a temporary file in the same folder, then a rename).
// Throws std::runtime_error naming the file on failure.
void writePngAtomically(const std::string& path, const RgbImage& image);

}  // namespace flowlab::core
