// Colours the app gives to data (GL-free; the canvas is painted on the CPU): particles coloured
// by where they started, and the colour ramps of the heatmaps (core/colormap.hpp's ramps).
#pragma once

#include <array>

namespace flowlab::app {

using Rgb = std::array<float, 3>;  // each channel in [0, 1]

// HSV → RGB; h wraps around [0, 1), s and v in [0, 1].
Rgb hsvToRgb(float h, float s, float v);
// A colour wheel over the plane: hue from the angle of (x, y), saturation rising with radius,
// so neighbours in the start distribution get neighbouring colours.
Rgb startColor(float x, float y);
// Sequential ramp for densities (s in [0, 1]) and diverging ramp (s in [−1, 1]), as floats.
Rgb sequentialRamp(float s);
Rgb divergingRamp(float s);

}  // namespace flowlab::app
