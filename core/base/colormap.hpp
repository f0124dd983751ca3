// Colour maps for density images (GL-free, shared by `flowlab density` PNGs and the app).
// A perceptually ordered dark-blue → teal → yellow ramp and a blue–white–red diverging ramp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace flowlab::core {

struct Rgb8 {
  std::uint8_t r, g, b;
};

// s in [0, 1] (clamped; NaN maps to 0): sequential ramp for densities.
inline Rgb8 sequentialColor(double s) {
  static constexpr std::array<std::array<double, 3>, 6> kStops{{
      {0.02, 0.02, 0.10}, {0.18, 0.09, 0.38}, {0.12, 0.35, 0.55},
      {0.10, 0.60, 0.55}, {0.55, 0.82, 0.30}, {0.99, 0.92, 0.25}}};
  if (!(s > 0.0)) s = 0.0;
  s = std::min(s, 1.0) * (kStops.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(s), kStops.size() - 2);
  const double f = s - static_cast<double>(i);
  auto channel = [&](int c) {
    return static_cast<std::uint8_t>(std::lround(255.0 * ((1 - f) * kStops[i][c] + f * kStops[i + 1][c])));
  };
  return {channel(0), channel(1), channel(2)};
}

// s in [−1, 1] (clamped): blue (negative) – white (0) – red (positive), e.g. divergence.
inline Rgb8 divergingColor(double s) {
  if (!std::isfinite(s)) s = 0.0;
  s = std::clamp(s, -1.0, 1.0);
  const double a = std::abs(s);
  const double r = s > 0 ? 1.0 : 1.0 - 0.8 * a, g = 1.0 - 0.75 * a, b = s < 0 ? 1.0 : 1.0 - 0.8 * a;
  return {static_cast<std::uint8_t>(std::lround(255 * r)), static_cast<std::uint8_t>(std::lround(255 * g)),
          static_cast<std::uint8_t>(std::lround(255 * b))};
}

}  // namespace flowlab::core
