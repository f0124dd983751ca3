// Folder base/: the vocabulary every other folder uses (point batches and rows, boxes and grid
// geometry, the seeded RNG, splitting work over threads, colours). Includes nothing of flowlab.
//
// Shared vocabulary of flowlab's core: point batches, per-point rows, parameter vectors, boxes.
#pragma once

#include <Eigen/Core>

namespace flowlab::core {

// A batch of 2-D points, one point per column: 2×N, float (network and batch arithmetic).
using Points = Eigen::Matrix<float, 2, Eigen::Dynamic>;
// One value per point (times, log-densities, divergences): 1×N, float.
using PointRow = Eigen::Matrix<float, 1, Eigen::Dynamic>;
// All parameters of a model, flat.
using ParamVec = Eigen::VectorXf;
// General float matrix (layer activations: width×N).
using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;

// The largest world coordinate flowlab takes as input (points, boxes): the toy densities live
// within ±10, and float arithmetic through a network stays finite far beyond ±1e6.
constexpr double kMaxCoordinate = 1e6;

// An axis-aligned rectangle in world coordinates.
struct Box {
  double x0 = -4.0, y0 = -4.0, x1 = 4.0, y1 = 4.0;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
  bool valid() const { return x1 > x0 && y1 > y0; }
  bool contains(double x, double y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
};

}  // namespace flowlab::core
