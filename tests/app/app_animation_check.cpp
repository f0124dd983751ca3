// Checks two headless runs of the app (--frames N, training paused, canvas screenshots and
// performance reports) the way a person watching would: the animation advanced by speed ×
// elapsed time, every t-dependent layer in the final picture shows the picture's t, and the
// particles moved between the two pictures.
// usage: app_animation_check A.png A.json B.png B.json
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok:  " : "FAIL:", what.c_str());
  failures += ok ? 0 : 1;
}

nlohmann::json readJson(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

void checkRun(const char* name, const nlohmann::json& r) {
  const double t = r["animation"]["t"], seconds = r["animation"]["seconds"],
               speed = r["animation"]["speed"];
  const double expected = speed * seconds;  // one pass, no loop in these runs
  char line[256];
  std::snprintf(line, sizeof line, "%s: t = %.4f after %.3f s at %.2f/s (expected %.4f)", name, t,
                seconds, speed, expected);
  expect(seconds > 0.0 && expected < 1.0, std::string(line) + ": one pass of the animation");
  expect(std::abs(t - expected) <= speed / 60.0, std::string(line) + ": within one frame");
  expect(!r["shown_t"]["density"].is_null() && r["shown_t"]["density"] == r["animation"]["t"],
         std::string(name) + ": the density layer shows the picture's t");
  expect(!r["shown_t"]["field"].is_null() && r["shown_t"]["field"] == r["animation"]["t"],
         std::string(name) + ": the field arrows show the picture's t");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: app_animation_check A.png A.json B.png B.json\n");
    return 2;
  }
  checkRun("first run", readJson(argv[2]));
  checkRun("second run", readJson(argv[4]));
  int w[2], h[2], c;
  unsigned char* img[2] = {stbi_load(argv[1], &w[0], &h[0], &c, 3),
                           stbi_load(argv[3], &w[1], &h[1], &c, 3)};
  if (!img[0] || !img[1]) {
    std::fprintf(stderr, "app_animation_check: cannot read the screenshots\n");
    return 1;
  }
  expect(w[0] == w[1] && h[0] == h[1], "both canvas pictures have the same size");
  long differing = 0;
  const long pixels = static_cast<long>(w[0]) * h[0];
  for (long i = 0; i < pixels && w[0] == w[1] && h[0] == h[1]; ++i) {
    int d = 0;
    for (int k = 0; k < 3; ++k) d += std::abs(img[0][3 * i + k] - img[1][3 * i + k]);
    differing += d > 60;
  }
  stbi_image_free(img[0]);
  stbi_image_free(img[1]);
  char line[128];
  std::snprintf(line, sizeof line, "the particles moved: %.1f%% of the canvas differs",
                100.0 * differing / pixels);
  expect(differing > pixels / 50, line);
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
