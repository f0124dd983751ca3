// Writing RGBA pixels to PNG (screenshots) and checking a picture's content. GL-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::core {

struct RgbaImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // width·height·4, first row at the TOP
};

// Reverses the row order in place (GL reads rows from the bottom).
void flipRows(RgbaImage& image);
// Writes a PNG. Returns "" on success, else one line naming the file and the problem.
std::string writePng(const std::string& path, const RgbaImage& image);

// Picture content checks (the smoke test and the headless mode use them).
struct ImageSummary {
  double nonBackgroundFraction = 0.0;  // pixels differing from the most common colour
  int distinctColours = 0;             // distinct colours after quantising to 4 bits/channel
  int hueBins = 0;                     // occupied bins of 12 hue sectors among saturated pixels
};
// Summary of the rectangle [x0, x0 + w) × [y0, y0 + h) (clamped to the image).
ImageSummary summarize(const RgbaImage& image, int x0, int y0, int w, int h);

}  // namespace flowlab::core
