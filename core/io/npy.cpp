// Writing .npy files: the magic string, version 1.0, a little-endian uint16 header length, the
// header dictionary padded with spaces to a 64-byte boundary and ended by a newline, then the raw
// values (numpy.lib.format, "NEP 1").
#include "core/io/npy.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "core/io/file_io.hpp"

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

namespace {

// The header dictionary's fields a reader needs, checked: descr, fortran_order, shape.
struct NpyHeader {
  bool isDouble = false;
  long rows = 0, columns = 0;
  std::size_t dataOffset = 0;
};

std::string_view skipSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  return s;
}

// What follows "'key'" and its colon in the header dictionary (a Python literal); nullopt when
// the key is not there.
std::optional<std::string_view> valueOf(std::string_view header, std::string_view key) {
  std::string quotedKey(1, '\'');
  quotedKey.append(key).push_back('\'');
  for (std::size_t at = header.find(quotedKey); at != std::string_view::npos;
       at = header.find(quotedKey, at + 1)) {
    std::string_view rest = skipSpaces(header.substr(at + quotedKey.size()));
    if (!rest.empty() && rest.front() == ':') return skipSpaces(rest.substr(1));
  }
  return std::nullopt;
}

// The digits at the start of `s` (moved past them); empty when there are none.
std::string_view digits(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  const std::string_view d = s.substr(0, n);
  s = skipSpaces(s.substr(n));
  return d;
}

// A header's word as a message shows it: printable ASCII, at most 16 characters.
std::string shown(std::string_view word) {
  std::string out(word.substr(0, 16));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return word.size() > 16 ? out + "..." : out;
}

// The header's shape "(rows, columns)", checked to be N x 2 with N at most kMaxPointsInFile.
long shapeRows(const std::string& path, std::string_view header) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  const auto value = valueOf(header, "shape");
  std::string_view s = value ? *value : std::string_view();
  std::string_view rows, columns;
  if (!s.empty() && s.front() == '(') {
    s = skipSpaces(s.substr(1));
    rows = digits(s);
    if (!s.empty() && s.front() == ',') {
      s = skipSpaces(s.substr(1));
      columns = digits(s);
    }
  }
  if (rows.empty() || columns.empty() || s.empty() || s.front() != ')')
    throw fail("npy shape is not N x 2 (points as rows of x, y)");
  if (columns != "2")
    throw fail("npy shape (" + shown(rows) + ", " + shown(columns) + ") is not N x 2");
  if (rows.size() > 9 || std::stol(std::string(rows)) > kMaxPointsInFile)
    throw fail(shown(rows) + " points, more than the " + std::to_string(kMaxPointsInFile) +
               " flowlab reads");
  return std::stol(std::string(rows));
}

NpyHeader parseHeader(const std::string& path, std::string_view bytes) {
  auto fail = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
  if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY")
    throw fail("not a NumPy .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3)
    throw fail("npy format version " + std::to_string(major) + " (reads 1 to 3)");
  std::size_t length = 0, at = 10;
  if (major == 1) {
    length = static_cast<unsigned char>(bytes[8]) |
             (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  } else {
    if (bytes.size() < 12) throw fail("truncated npy header");
    for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[8 + i]);
    at = 12;
  }
  if (length > 65536 || bytes.size() < at + length) throw fail("truncated npy header");
  const std::string_view header = bytes.substr(at, length);
  const auto descrValue = valueOf(header, "descr");
  if (!descrValue || descrValue->empty() || descrValue->front() != '\'' ||
      descrValue->find('\'', 1) == std::string_view::npos)
    throw fail("npy header without 'descr'");
  const std::string_view descr = descrValue->substr(1, descrValue->find('\'', 1) - 1);
  NpyHeader h;
  if (descr == "<f4")
    h.isDouble = false;
  else if (descr == "<f8")
    h.isDouble = true;
  else
    throw fail("npy dtype '" + shown(descr) +
               "' (reads little-endian float32 '<f4' or float64 '<f8')");
  const auto fortran = valueOf(header, "fortran_order");
  if (!fortran || fortran->substr(0, 5) != "False")
    throw fail("a Fortran-order array (save it in C order: numpy.ascontiguousarray)");
  h.rows = shapeRows(path, header);
  h.columns = 2;
  h.dataOffset = at + length;
  return h;
}

}  // namespace

Points readNpyPoints(const std::string& path) {
  return npyPointsFromBytes(
      readBinaryFile(path, 64 + static_cast<std::size_t>(kMaxPointsInFile) * 16 + 65536), path);
}

Points npyPointsFromBytes(std::string_view bytes, const std::string& path) {
  const NpyHeader h = parseHeader(path, bytes);
  const std::size_t item = h.isDouble ? 8 : 4;
  const std::size_t need = static_cast<std::size_t>(h.rows) * 2 * item;
  if (bytes.size() - h.dataOffset != need)
    throw std::runtime_error(path + ": npy data of " + std::to_string(bytes.size() - h.dataOffset) +
                             " bytes, the shape needs " + std::to_string(need));
  if (h.rows == 0) throw std::runtime_error(path + ": no points");
  Points out(2, h.rows);
  const char* data = bytes.data() + h.dataOffset;
  for (Eigen::Index k = 0; k < 2 * h.rows; ++k) {
    double v;
    if (h.isDouble) {
      std::memcpy(&v, data + k * 8, 8);
    } else {
      float f;
      std::memcpy(&f, data + k * 4, 4);
      v = f;
    }
    if (!std::isfinite(v) || std::abs(v) > kMaxCoordinate)
      throw std::runtime_error(
          path + ": point " + std::to_string(k / 2) +
          (std::isfinite(v) ? " has a coordinate beyond ±1e6" : " is not finite"));
    out(k % 2, k / 2) = static_cast<float>(v);
  }
  return out;
}

bool isNpyPath(const std::string& path) { return endsWith(path, ".npy"); }

}  // namespace flowlab::core
