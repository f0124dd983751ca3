// The GLSL sources of shaders/, embedded into the binary at build time
// (cmake/embed_shaders.cmake). GL-free.
#pragma once

#include <string_view>

namespace flowlab::app {

// The text of shaders/<name> (e.g. "image.vert"), or an empty view when there is no such file.
std::string_view shaderSource(std::string_view name);

}  // namespace flowlab::app
