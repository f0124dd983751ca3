// Base64 (RFC 4648, standard alphabet, padded) for arrays stored compactly in JSON documents:
// float32 and float64 values as little-endian bytes, exact. Any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowlab::core {

std::string base64Encode(const std::uint8_t* bytes, std::size_t count);
// Throws std::runtime_error for a length that is not a multiple of 4, a character outside the
// alphabet, or padding anywhere but at the end.
std::vector<std::uint8_t> base64Decode(const std::string& text);

// Little-endian IEEE values <-> base64. The decoders throw std::runtime_error when the byte
// count is not a multiple of the value size (or, with `expected` ≥ 0, not that many values).
std::string floatsToBase64(const float* values, std::size_t count);
std::vector<float> floatsFromBase64(const std::string& text, long expected = -1);
std::string doublesToBase64(const double* values, std::size_t count);
std::vector<double> doublesFromBase64(const std::string& text, long expected = -1);

}  // namespace flowlab::core
