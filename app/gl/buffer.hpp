// RAII wrappers for vertex buffers and vertex arrays. UI thread only (needs the context).
#pragma once

#include <epoxy/gl.h>

#include <cstddef>

namespace flowlab::app::gl {

class Buffer {
 public:
  Buffer() { glGenBuffers(1, &id_); }
  ~Buffer() { glDeleteBuffers(1, &id_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  GLuint id() const { return id_; }
  // Replaces the contents (orphaning the old storage, so the GPU never stalls on it).
  void upload(const void* data, std::size_t bytes, GLenum usage = GL_STREAM_DRAW);
  std::size_t bytes() const { return bytes_; }

 private:
  GLuint id_ = 0;
  std::size_t bytes_ = 0;
};

class VertexArray {
 public:
  VertexArray() { glGenVertexArrays(1, &id_); }
  ~VertexArray() { glDeleteVertexArrays(1, &id_); }
  VertexArray(const VertexArray&) = delete;
  VertexArray& operator=(const VertexArray&) = delete;

  void bind() const { glBindVertexArray(id_); }
  // Float attribute `index` with `components` floats per vertex from `buffer`, `stride` bytes
  // apart starting at `offset`; divisor 1 makes it per instance.
  void attribute(GLuint index, const Buffer& buffer, int components, std::size_t stride,
                 std::size_t offset = 0, GLuint divisor = 0) const;

 private:
  GLuint id_ = 0;
};

}  // namespace flowlab::app::gl
