// Data colours (GL-free).
#include "core/render/colours.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::core {

core::Colour hsvColour(float h, float s, float v) {
  h = h - std::floor(h);
  auto channel = [&](float n) {
    const float k = std::fmod(n + h * 6.0f, 6.0f);
    return v - v * s * std::clamp(std::min(k, 4.0f - k), 0.0f, 1.0f);
  };
  return {channel(5.0f), channel(3.0f), channel(1.0f)};
}

core::Colour startColour(float x, float y) {
  constexpr float kTwoPi = 6.28318530718f;
  const float h = std::atan2(y, x) / kTwoPi + 0.5f;
  const float r = std::sqrt(x * x + y * y);
  const float u = std::clamp(r / 2.2f, 0.0f, 1.0f);
  const float s = 0.25f + 0.7f * u * u * (3.0f - 2.0f * u);
  return hsvColour(h, s, 1.0f);
}

}  // namespace flowlab::core
