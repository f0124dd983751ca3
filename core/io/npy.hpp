// NumPy .npy files (format version 1.0, numpy.lib.format): a little-endian float32 or float64
// array in C order, readable by numpy.load without pickle. GL-free; any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/types.hpp"
#include "core/io/file_io.hpp"

namespace flowlab::core {

// The bytes of an .npy file holding `data` (product(shape) values, C order: the last index
// varies fastest) with the given shape.
std::string npyBytes(const float* data, const std::vector<std::size_t>& shape);
std::string npyBytes(const double* data, const std::vector<std::size_t>& shape);

// Whether a path names an .npy file (by its extension).
bool isNpyPath(const std::string& path);

// The points of an .npy file holding an N×2 float32 or float64 array (little-endian, C order,
// format 1.0 to 3.0), as 2×N floats. At most kMaxPointsInFile points (checked before reading).
// Throws std::runtime_error naming the file and the problem: not an .npy file, another dtype,
// shape or byte order, Fortran order, a truncated file, a value not finite or beyond
// ±kMaxCoordinate.
Points readNpyPoints(const std::string& path);
// The same from the file's bytes, errors naming `path`.
Points npyPointsFromBytes(std::string_view bytes, const std::string& path);

}  // namespace flowlab::core
