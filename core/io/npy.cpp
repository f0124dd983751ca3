// Writing .npy files: the magic string, version 1.0, a little-endian uint16 header length, the
// header dictionary padded with spaces to a 64-byte boundary and ended by a newline, then the raw
// values (numpy.lib.format, "NEP 1").
#include "core/io/npy.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace flowlab::core {
namespace {

static_assert(std::endian::native == std::endian::little, "the values are written as they are");

std::string shapeText(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += std::to_string(shape[i]) + ", ";
  if (shape.size() > 1) s.resize(s.size() - 2);  // "(3, 2)"; one dimension keeps "(5,"
  if (shape.size() == 1) s.resize(s.size() - 1);
  return s + ")";
}

std::string bytes(const void* data, std::size_t itemSize, const char* descr,
                  const std::vector<std::size_t>& shape) {
  std::size_t count = 1;
  for (std::size_t d : shape) count *= d;
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shapeText(shape) + ", }";
  constexpr std::size_t kPreamble = 10;  // magic (6), version (2), header length (2)
  const std::size_t total = (kPreamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - kPreamble - header.size() - 1, ' ');
  header += '\n';
  if (header.size() > 65535) throw std::invalid_argument("npy: header too long");
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const std::size_t payload = count * itemSize;
  const std::size_t at = out.size();
  out.resize(at + payload);
  if (payload > 0) std::memcpy(out.data() + at, data, payload);
  return out;
}

}  // namespace

std::string npyBytes(const float* data, const std::vector<std::size_t>& shape) {
  return bytes(data, sizeof(float), "<f4", shape);
}

std::string npyBytes(const double* data, const std::vector<std::size_t>& shape) {
  return bytes(data, sizeof(double), "<f8", shape);
}

bool isNpyPath(const std::string& path) {
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

}  // namespace flowlab::core
