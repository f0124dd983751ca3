# Embeds every file of SHADER_DIR into OUTPUT as a C++ source defining
# flowlab::app::shaderSource(name) -> std::string_view (empty when unknown).
# Run at build time: cmake -DSHADER_DIR=… -DOUTPUT=… -P embed_shaders.cmake
file(GLOB shader_files RELATIVE "${SHADER_DIR}" "${SHADER_DIR}/*")
list(SORT shader_files)
set(body "// Generated from shaders/ by cmake/embed_shaders.cmake. Do not edit.\n")
string(APPEND body "#include <string_view>\n\nnamespace flowlab::app {\n\n")
string(APPEND body "std::string_view shaderSource(std::string_view name) {\n")
foreach(name IN LISTS shader_files)
  file(READ "${SHADER_DIR}/${name}" text)
  string(APPEND body "  if (name == \"${name}\") return R\"flowlab_glsl(${text})flowlab_glsl\";\n")
endforeach()
string(APPEND body "  return {};\n}\n\n}  // namespace flowlab::app\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT "${old}" STREQUAL "${body}")
  file(WRITE "${OUTPUT}" "${body}")
endif()
