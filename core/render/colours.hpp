// Colours the app gives to data (GL-free; the canvas is painted on the CPU): particles coloured
// by where they started (the heatmaps' ramps are core/base/colour.hpp's).
#pragma once

#include "core/base/colour.hpp"

namespace flowlab::core {

// HSV → RGB; h wraps around [0, 1), s and v in [0, 1].
core::Colour hsvColour(float h, float s, float v);
// A colour wheel over the plane: hue from the angle of (x, y), saturation rising with radius,
// so neighbours in the start distribution get neighbouring colours.
core::Colour startColour(float x, float y);

}  // namespace flowlab::core
