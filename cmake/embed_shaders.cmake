# Embeds the shader files SHADERS (paths separated by commas) into OUTPUT as a C++ source defining
# flowlab::app::shaderSource(name) -> std::string_view (empty when unknown), each under its file
# name. Run at build time: cmake -DSHADERS=a.vert,a.frag -DOUTPUT=… -P embed_shaders.cmake
string(REPLACE "," ";" SHADERS "${SHADERS}")
set(body "// Generated from shaders/ by cmake/embed_shaders.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\n\nnamespace flowlab::app {\n\n")
string(APPEND body "std::string_view shaderSource(std::string_view name) {\n")
foreach(path IN LISTS SHADERS)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" text)
  string(APPEND body "  if (name == \"${name}\") return R\"flowlab_glsl(${text})flowlab_glsl\";\n")
endforeach()
string(APPEND body "  return {};\n}\n\n}  // namespace flowlab::app\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT "${old}" STREQUAL "${body}")
  file(WRITE "${OUTPUT}" "${body}")
endif()
