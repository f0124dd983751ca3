// Folder gl/: thin owners of OpenGL objects (shader programs, buffers, textures).
//
// A linked GLSL program built from embedded shader files, with cached uniform locations.
// UI thread only (needs the context).
#pragma once

#include <epoxy/gl.h>

#include <array>
#include <string>
#include <unordered_map>

namespace flowlab::app::gl {

class Program {
 public:
  Program() = default;
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  // Compiles shaders/<vertex> and shaders/<fragment> and links them. Throws std::runtime_error
  // with the compiler's log (naming the file) on failure.
  void build(const std::string& vertex, const std::string& fragment);
  void use() const { glUseProgram(id_); }
  GLuint id() const { return id_; }

  GLint uniform(const char* name);
  void set(const char* name, float v) { glUniform1f(uniform(name), v); }
  void set(const char* name, int v) { glUniform1i(uniform(name), v); }
  void set(const char* name, float a, float b) { glUniform2f(uniform(name), a, b); }
  void set(const char* name, const std::array<float, 4>& v) {
    glUniform4f(uniform(name), v[0], v[1], v[2], v[3]);
  }

 private:
  GLuint id_ = 0;
  std::unordered_map<std::string, GLint> uniforms_;
};

}  // namespace flowlab::app::gl
