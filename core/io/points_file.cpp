// Targets from files of points (see points_file.hpp).
#include "core/io/points_file.hpp"

#include <stdexcept>

#include "core/io/file_io.hpp"
#include "core/io/npy.hpp"

namespace flowlab::core {

Points readPointsFile(const std::string& path) {
  return isNpyPath(path) ? readNpyPoints(path) : readPointsCsv(path);
}

std::shared_ptr<const PointsTarget> loadPointsTarget(const std::string& path, double bandwidth) {
  const Points points = readPointsFile(path);
  try {
    const double h = bandwidth > 0.0 ? bandwidth : scottBandwidth(points);
    return std::make_shared<const PointsTarget>(points, h, "points:" + path);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

bool isPointsPath(const std::string& path) { return isNpyPath(path) || endsWith(path, ".csv"); }

}  // namespace flowlab::core
