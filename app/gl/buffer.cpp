// Vertex buffers and vertex arrays.
#include "app/gl/buffer.hpp"

namespace flowlab::app::gl {

void Buffer::upload(const void* data, std::size_t bytes, GLenum usage) {
  glBindBuffer(GL_ARRAY_BUFFER, id_);
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, usage);
  if (bytes > 0) glBufferSubData(GL_ARRAY_BUFFER, 0, static_cast<GLsizeiptr>(bytes), data);
  bytes_ = bytes;
}

void VertexArray::attribute(GLuint index, const Buffer& buffer, int components, std::size_t stride,
                            std::size_t offset, GLuint divisor) const {
  glBindVertexArray(id_);
  glBindBuffer(GL_ARRAY_BUFFER, buffer.id());
  glEnableVertexAttribArray(index);
  glVertexAttribPointer(index, components, GL_FLOAT, GL_FALSE, static_cast<GLsizei>(stride),
                        reinterpret_cast<const void*>(offset));
  glVertexAttribDivisor(index, divisor);
}

}  // namespace flowlab::app::gl
