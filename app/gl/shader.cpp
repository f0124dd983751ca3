// Compiling and linking the embedded shaders.
#include "app/gl/shader.hpp"

#include <stdexcept>
#include <vector>

#include "app/shaders.hpp"

namespace flowlab::app::gl {

namespace {

GLuint compile(GLenum stage, const std::string& name) {
  const std::string_view source = shaderSource(name);
  if (source.empty()) throw std::runtime_error("no embedded shader named " + name);
  const std::string text(source);
  const GLuint shader = glCreateShader(stage);
  const char* src = text.c_str();
  glShaderSource(shader, 1, &src, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    GLint length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
    std::vector<char> log(static_cast<std::size_t>(std::max(length, 1)));
    glGetShaderInfoLog(shader, length, nullptr, log.data());
    glDeleteShader(shader);
    throw std::runtime_error("shader " + name + " does not compile: " + log.data());
  }
  return shader;
}

}  // namespace

Program::~Program() {
  if (id_) glDeleteProgram(id_);
}

void Program::build(const std::string& vertex, const std::string& fragment) {
  const GLuint vs = compile(GL_VERTEX_SHADER, vertex);
  const GLuint fs = compile(GL_FRAGMENT_SHADER, fragment);
  const GLuint program = glCreateProgram();
  glAttachShader(program, vs);
  glAttachShader(program, fs);
  glLinkProgram(program);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = GL_FALSE;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (!ok) {
    GLint length = 0;
    glGetProgramiv(program, GL_INFO_LOG_LENGTH, &length);
    std::vector<char> log(static_cast<std::size_t>(std::max(length, 1)));
    glGetProgramInfoLog(program, length, nullptr, log.data());
    glDeleteProgram(program);
    throw std::runtime_error("program " + vertex + " + " + fragment +
                             " does not link: " + log.data());
  }
  if (id_) glDeleteProgram(id_);
  id_ = program;
  uniforms_.clear();
}

GLint Program::uniform(const char* name) {
  auto it = uniforms_.find(name);
  if (it == uniforms_.end()) it = uniforms_.emplace(name, glGetUniformLocation(id_, name)).first;
  return it->second;
}

}  // namespace flowlab::app::gl
