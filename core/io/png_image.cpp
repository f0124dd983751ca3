// Segment-font text and colour bars rasterised into RGB images, written as PNG files.
#include "core/io/png_image.hpp"

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace flowlab::core {

RgbImage::RgbImage(int w, int h, Colour fill) : width(w), height(h) {
  rgb.resize(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < rgb.size(); i += 3) {
    rgb[i] = channelByte(fill.r);
    rgb[i + 1] = channelByte(fill.g);
    rgb[i + 2] = channelByte(fill.b);
  }
}

void RgbImage::set(int x, int y, Colour c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  std::uint8_t* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
  p[0] = channelByte(c.r);
  p[1] = channelByte(c.g);
  p[2] = channelByte(c.b);
}

int drawText(RgbImage& image, int x, int y, const std::string& text, Colour colour, int scale) {
  // stb_easy_font emits axis-aligned quads: 4 vertices of (x, y, z, rgba) = 16 bytes each, and
  // stops silently when the buffer is full; its "about 270 bytes per character" is an average
  // that digits exceed, so room for 16 quads per character.
  std::vector<char> buffer(text.size() * 16 * 64 + 64);
  std::string copy = text;
  const int quads = stb_easy_font_print(0.0f, 0.0f, copy.data(), nullptr, buffer.data(),
                                        static_cast<int>(buffer.size()));
  for (int q = 0; q < quads; ++q) {
    const float* v = reinterpret_cast<const float*>(buffer.data() + 64 * q);
    const float x0 = v[0], y0 = v[1], x1 = v[8], y1 = v[9];  // vertices 0 and 2: opposite corners
    for (int py = static_cast<int>(std::lround(std::min(y0, y1) * scale));
         py < static_cast<int>(std::lround(std::max(y0, y1) * scale)); ++py)
      for (int px = static_cast<int>(std::lround(std::min(x0, x1) * scale));
           px < static_cast<int>(std::lround(std::max(x0, x1) * scale)); ++px)
        image.set(x + px, y + py, colour);
  }
  return textWidth(text, scale);
}

int textWidth(const std::string& text, int scale) {
  std::string copy = text;
  return stb_easy_font_width(copy.data()) * scale;
}

void drawColourBar(RgbImage& image, int x, int y, int width, int height,
                   const std::function<Colour(double)>& ramp, const std::string& lo,
                   const std::string& hi, const std::string& caption) {
  for (int i = 0; i < width; ++i) {
    const Colour c = ramp(width > 1 ? static_cast<double>(i) / (width - 1) : 0.0);
    for (int j = 0; j < height; ++j) image.set(x + i, y + j, c);
  }
  const Colour text{0.86f, 0.88f, 0.91f};
  const int ty = y + height + 3;
  drawText(image, x, ty, lo, text);
  drawText(image, x + width - textWidth(hi), ty, hi, text);
  const int cw = textWidth(caption);
  const int left = x + textWidth(lo) + 8, right = x + width - textWidth(hi) - 8;
  if (cw <= right - left) drawText(image, left + (right - left - cw) / 2, ty, caption, text);
}

void writePngAtomically(const std::string& path, const RgbImage& image) {
  const std::string temp = path + ".tmp.png";
  if (!stbi_write_png(temp.c_str(), image.width, image.height, 3, image.rgb.data(),
                      image.width * 3)) {
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": cannot write PNG");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": cannot write PNG");
  }
}

}  // namespace flowlab::core
