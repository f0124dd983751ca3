// A target from a file of points: a CSV with header x,y or an N×2 .npy (by the extension), as
// the kernel density estimate of its points. Any thread.
#pragma once

#include <memory>
#include <string>

#include "core/targets/points_target.hpp"

namespace flowlab::core {

// The points of a .csv or .npy file (readPointsCsv, readNpyPoints).
Points readPointsFile(const std::string& path);

// bandwidth 0: Scott's rule. Throws std::runtime_error naming the file and the problem.
std::shared_ptr<const PointsTarget> loadPointsTarget(const std::string& path,
                                                     double bandwidth = 0.0);

// Whether a path names a points file (.csv or .npy) rather than a picture.
bool isPointsPath(const std::string& path);

}  // namespace flowlab::core
