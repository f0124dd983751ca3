// Colours, one type everywhere flowlab draws (the app's canvas and panels, the CLI's PNG
// pictures): Colour, three channels in [0, 1]; packed into one 32-bit pixel for images; and the
// ramps that map data to colours, here once: sequential (densities) and diverging (divergence).
// GL-free; pure functions, any thread.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace flowlab::core {

struct Colour {
  float r = 0.0f, g = 0.0f, b = 0.0f;  // each in [0, 1]
  bool operator==(const Colour&) const = default;
};

// A channel as a byte: [0, 1] (clamped) → 0…255, rounded.
constexpr std::uint8_t channelByte(float v) {
  return static_cast<std::uint8_t>((v <= 0.0f ? 0.0f : v >= 1.0f ? 1.0f : v) * 255.0f + 0.5f);
}

// A pixel of an RGB(A) image: 0xAABBGGRR, R in the lowest byte (the byte order of RGBA memory).
using PackedRgb = std::uint32_t;
constexpr PackedRgb packed(Colour c) {
  return channelByte(c.r) | (PackedRgb{channelByte(c.g)} << 8) |
         (PackedRgb{channelByte(c.b)} << 16);
}

// s in [0, 1] (clamped; NaN maps to 0): the sequential ramp for densities, dark blue → teal →
// yellow, perceptually ordered.
inline Colour sequentialColour(double s) {
  static constexpr std::array<std::array<double, 3>, 6> kStops{{{0.02, 0.02, 0.10},
                                                                {0.18, 0.09, 0.38},
                                                                {0.12, 0.35, 0.55},
                                                                {0.10, 0.60, 0.55},
                                                                {0.55, 0.82, 0.30},
                                                                {0.99, 0.92, 0.25}}};
  if (!(s > 0.0)) s = 0.0;
  s = std::min(s, 1.0) * (kStops.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(s), kStops.size() - 2);
  const double f = s - static_cast<double>(i);
  auto channel = [&](int c) {
    return static_cast<float>((1 - f) * kStops[i][c] + f * kStops[i + 1][c]);
  };
  return {channel(0), channel(1), channel(2)};
}

// s in [−1, 1] (clamped): blue (negative) – white (0) – red (positive), e.g. divergence.
inline Colour divergingColour(double s) {
  if (!std::isfinite(s)) s = 0.0;
  s = std::clamp(s, -1.0, 1.0);
  const double a = std::abs(s);
  return {static_cast<float>(s > 0 ? 1.0 : 1.0 - 0.8 * a), static_cast<float>(1.0 - 0.75 * a),
          static_cast<float>(s < 0 ? 1.0 : 1.0 - 0.8 * a)};
}

}  // namespace flowlab::core
