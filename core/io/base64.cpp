// Base64 of little-endian arrays (see base64.hpp).
#include "core/io/base64.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace flowlab::core {
namespace {

static_assert(std::endian::native == std::endian::little, "flowlab stores arrays little-endian");

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

template <class T>
std::vector<T> valuesFrom(const std::string& text, long expected) {
  const std::vector<std::uint8_t> bytes = base64Decode(text);
  if (bytes.size() % sizeof(T) != 0)
    throw std::runtime_error("an array's byte count is not a whole number of values");
  std::vector<T> values(bytes.size() / sizeof(T));
  if (expected >= 0 && values.size() != std::size_t(expected))
    throw std::runtime_error("an array has " + std::to_string(values.size()) + " values, " +
                             std::to_string(expected) + " expected");
  if (!bytes.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

}  // namespace

std::string base64Encode(const std::uint8_t* bytes, std::size_t count) {
  std::string out;
  out.reserve((count + 2) / 3 * 4);
  for (std::size_t i = 0; i < count; i += 3) {
    const std::uint32_t b0 = bytes[i], b1 = i + 1 < count ? bytes[i + 1] : 0,
                        b2 = i + 2 < count ? bytes[i + 2] : 0;
    const std::uint32_t word = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(word >> 18) & 63];
    out += kAlphabet[(word >> 12) & 63];
    out += i + 1 < count ? kAlphabet[(word >> 6) & 63] : '=';
    out += i + 2 < count ? kAlphabet[word & 63] : '=';
  }
  return out;
}

std::vector<std::uint8_t> base64Decode(const std::string& text) {
  if (text.size() % 4 != 0) throw std::runtime_error("base64 text of a length not a multiple of 4");
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    std::uint32_t word = 0;
    for (int k = 0; k < 4; ++k) {
      const int v = k >= 4 - pad ? 0 : sextet(text[i + std::size_t(k)]);
      if (v < 0) throw std::runtime_error("base64 text with a character outside its alphabet");
      word = (word << 6) | std::uint32_t(v);
    }
    out.push_back(std::uint8_t(word >> 16));
    if (pad < 2) out.push_back(std::uint8_t(word >> 8));
    if (pad < 1) out.push_back(std::uint8_t(word));
  }
  return out;
}

std::string floatsToBase64(const float* values, std::size_t count) {
  return base64Encode(reinterpret_cast<const std::uint8_t*>(values), count * sizeof(float));
}
std::vector<float> floatsFromBase64(const std::string& text, long expected) {
  return valuesFrom<float>(text, expected);
}
std::string doublesToBase64(const double* values, std::size_t count) {
  return base64Encode(reinterpret_cast<const std::uint8_t*>(values), count * sizeof(double));
}
std::vector<double> doublesFromBase64(const std::string& text, long expected) {
  return valuesFrom<double>(text, expected);
}

}  // namespace flowlab::core
