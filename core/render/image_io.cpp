// PNG output through stb_image_write, and a coarse content summary of a picture (GL-free).
#include "core/render/image_io.hpp"

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace flowlab::core {

void flipRows(RgbaImage& image) {
  const std::size_t stride = static_cast<std::size_t>(image.width) * 4;
  for (int j = 0; j < image.height / 2; ++j)
    std::swap_ranges(image.pixels.begin() + j * stride, image.pixels.begin() + (j + 1) * stride,
                     image.pixels.begin() + (image.height - 1 - j) * stride);
}

std::string writePng(const std::string& path, const RgbaImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 4)
    return "cannot write " + path + ": empty or malformed image";
  if (!stbi_write_png(path.c_str(), image.width, image.height, 4, image.pixels.data(),
                      image.width * 4))
    return "cannot write " + path + " (is the folder there and writable?)";
  return {};
}

ImageSummary summarize(const RgbaImage& image, int x0, int y0, int w, int h) {
  ImageSummary s;
  const int xa = std::clamp(x0, 0, image.width), xb = std::clamp(x0 + w, 0, image.width);
  const int ya = std::clamp(y0, 0, image.height), yb = std::clamp(y0 + h, 0, image.height);
  std::unordered_map<std::uint32_t, long> counts;
  bool hue[12] = {};
  long total = 0;
  for (int y = ya; y < yb; ++y)
    for (int x = xa; x < xb; ++x) {
      const std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 4];
      ++counts[(p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4)];
      ++total;
      const float r = p[0] / 255.0f, g = p[1] / 255.0f, b = p[2] / 255.0f;
      const float mx = std::max({r, g, b}), mn = std::min({r, g, b});
      if (mx - mn > 0.25f && mx > 0.3f) {
        float hh;
        if (mx == r)
          hh = std::fmod((g - b) / (mx - mn) + 6.0f, 6.0f);
        else if (mx == g)
          hh = (b - r) / (mx - mn) + 2.0f;
        else
          hh = (r - g) / (mx - mn) + 4.0f;
        hue[std::clamp(static_cast<int>(hh * 2.0f), 0, 11)] = true;
      }
    }
  if (total == 0) return s;
  long most = 0;
  for (const auto& [colour, n] : counts) {
    most = std::max(most, n);
    if (n >= std::max<long>(1, total / 20000)) ++s.distinctColours;
  }
  s.nonBackgroundFraction = 1.0 - static_cast<double>(most) / total;
  s.hueBins = static_cast<int>(std::count(std::begin(hue), std::end(hue), true));
  return s;
}

}  // namespace flowlab::core
