// Checks an app screenshot the way a person would glance at it: the right size, not blank, the
// canvas showing several coloured layers, the panels showing text.
// usage: app_smoke_check FILE.png WIDTH HEIGHT
#include <stb_image.h>

#include <cstdio>
#include <cstdlib>

#include "core/render/image_io.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: app_smoke_check FILE.png WIDTH HEIGHT\n");
    return 2;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* data = stbi_load(argv[1], &w, &h, &channels, 4);
  if (!data) {
    std::fprintf(stderr, "app_smoke_check: cannot read %s\n", argv[1]);
    return 1;
  }
  flowlab::core::RgbaImage image{
      w, h, std::vector<std::uint8_t>(data, data + static_cast<std::size_t>(w) * h * 4)};
  stbi_image_free(data);
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    std::printf("%s %s\n", ok ? "ok:  " : "FAIL:", what);
    failures += ok ? 0 : 1;
  };
  expect(w == std::atoi(argv[2]) && h == std::atoi(argv[3]), "screenshot has the window's size");
  // The middle of the window is canvas at any supported size.
  const auto canvas = flowlab::core::summarize(image, w * 3 / 10, h / 10, w * 4 / 10, h * 7 / 10);
  std::printf("canvas: %.1f%% non-background, %d colours, %d hue sectors\n",
              100.0 * canvas.nonBackgroundFraction, canvas.distinctColours, canvas.hueBins);
  expect(canvas.nonBackgroundFraction > 0.10, "canvas is not blank");
  expect(canvas.distinctColours >= 40, "canvas shows many colours (heatmap, particles, arrows)");
  expect(canvas.hueBins >= 5, "particles coloured by their start span the colour wheel");
  // The left column holds the controls: text on a panel background.
  const auto panel = flowlab::core::summarize(image, 0, 0, w / 5, h * 8 / 10);
  std::printf("panel: %.1f%% non-background, %d colours\n", 100.0 * panel.nonBackgroundFraction,
              panel.distinctColours);
  expect(panel.nonBackgroundFraction > 0.03, "control panel shows widgets and text");
  std::printf("%d passed, %d failed\n", 5 - failures, failures);
  return failures == 0 ? 0 : 1;
}
