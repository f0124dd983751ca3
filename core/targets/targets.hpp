// Folder targets/: the densities flows learn (built-in toy targets, image and painted grids),
// each with seeded sampling and a normalised log density.
//
// Target densities (t = 1): the eight built-in toy densities of the flow-matching and FFJORD
// literature (8gaussians, moons, …; Grathwohl et al. 2019, Tong et al. 2023) and
// the image target (a painted or imported non-negative grid). Each samples with a seeded Rng
// and has a normalised log density (exact, or quadrature accurate to 1e-3 nats).
//
// Targets are immutable after construction and safe to share between threads
// (std::shared_ptr<const Target>); sampling state lives in the caller's Rng.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/rng.hpp"
#include "core/base/types.hpp"

namespace flowlab::core {

class Target {
 public:
  virtual ~Target() = default;

  virtual std::string name() const = 0;
  // Fills every column of out (2×n, sized by the caller) with an independent draw.
  virtual void sample(Points& out, Rng& rng) const = 0;
  // out(i) = log p(x_i), natural log, normalised; −∞ where p = 0. x: 2×n, out resized to n.
  virtual void logDensity(const Points& x, Eigen::VectorXd& out) const = 0;
  // A box that holds essentially all of the mass (for views and density grids).
  virtual Box bounds() const = 0;
};

// Reference facts for a built-in target (NaN when unknown): its entropy H and the W2 between two
// of its samples of n = 2000 (the floor a model is compared with), computed for the spec the
// targets were written from.
struct TargetInfo {
  std::string name;
  std::string description;
  double entropy;  // H in nats per point
  double w2Floor;  // W2 between two independent samples of n = 2000
};

const std::vector<TargetInfo>& builtinTargets();                         // in a fixed order
const TargetInfo* findTargetInfo(std::string_view name);                 // nullptr when unknown
std::shared_ptr<const Target> makeBuiltinTarget(std::string_view name);  // nullptr when unknown
// Same, with the quadrature targets (moons, swissroll, 2spirals) using `quadratureRefine` times
// as many nodes as the default (≥ 1; for checking the default's accuracy). Others ignore it.
std::shared_ptr<const Target> makeBuiltinTarget(std::string_view name, int quadratureRefine);

// A piecewise-constant density on a W×H grid over a world box, in GridGeometry's order (column i
// from the left, row j from the BOTTOM, row-major: weights[j·W + i]); cell (i, j) covers
// [x0 + i·dx, x0 + (i+1)·dx) × [y0 + j·dy, y0 + (j+1)·dy). Density ∝ weight inside a cell, 0
// outside the box. Sampling: cell by the cumulative sum, then uniform inside the cell.
class ImageTarget final : public Target {
 public:
  // Throws std::invalid_argument when sizes mismatch, any weight is negative or non-finite,
  // all weights are zero, or the box is empty.
  ImageTarget(int width, int height, std::vector<float> weights, Box box, std::string name);

  // Loads a PNG/JPG (any channels; brightness = density, alpha multiplies when present) and
  // maps it onto box, the picture's top row at the top of the box. `invert` uses 1 − brightness
  // (dark ink on white paper). Throws std::runtime_error with a message naming the file on any
  // failure.
  // Only PNG and JPEG files are decoded; files over kMaxImageFileBytes are refused as they are
  // read, pictures of more than kMaxImagePixels from their header, before decoding.
  static constexpr long long kMaxImagePixels = 40'000'000;
  static constexpr std::size_t kMaxImageFileBytes = std::size_t{256} << 20;
  static std::shared_ptr<const ImageTarget> fromFile(const std::string& path, Box box,
                                                     bool invert = false, int maxSide = 256);
  // The same from the file's bytes; messages name `path`, the name is its stem.
  static std::shared_ptr<const ImageTarget> fromBytes(const std::string& bytes,
                                                      const std::string& path, Box box,
                                                      bool invert = false, int maxSide = 256);

  std::string name() const override { return name_; }
  void sample(Points& out, Rng& rng) const override;
  void logDensity(const Points& x, Eigen::VectorXd& out) const override;
  Box bounds() const override { return box_; }

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<float>& weights() const { return weights_; }

 private:
  int width_, height_;
  std::vector<float> weights_;
  std::vector<double> cumulative_;  // inclusive prefix sums, normalised to end at 1
  Box box_;
  std::string name_;
  double logCellArea_ = 0.0;
  double logTotalWeight_ = 0.0;  // log Σ weights
};

}  // namespace flowlab::core
