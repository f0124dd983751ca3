// NumPy .npy files (format version 1.0, numpy.lib.format): a little-endian float32 or float64
// array in C order, readable by numpy.load without pickle. GL-free; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flowlab::core {

// The bytes of an .npy file holding `data` (product(shape) values, C order: the last index
// varies fastest) with the given shape.
std::string npyBytes(const float* data, const std::vector<std::size_t>& shape);
std::string npyBytes(const double* data, const std::vector<std::size_t>& shape);

// Whether a path names an .npy file (by its extension).
bool isNpyPath(const std::string& path);

}  // namespace flowlab::core
