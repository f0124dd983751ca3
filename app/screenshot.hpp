// Reading the framebuffer back for screenshots (the canvas or the whole window). UI thread only;
// call after drawing and before presenting the frame.
#pragma once

#include <string>

#include "core/render/image_io.hpp"

namespace flowlab::app {

// Pixels of the rectangle (framebuffer pixels, origin at the TOP-left) of the back buffer,
// first row at the top, alpha forced to opaque.
core::RgbaImage readFramebuffer(int x, int yFromTop, int width, int height, int framebufferHeight);

// Reads and writes a PNG; returns "" on success, else one line naming the problem.
std::string saveScreenshot(const std::string& path, int x, int yFromTop, int width, int height,
                           int framebufferHeight);

}  // namespace flowlab::app
