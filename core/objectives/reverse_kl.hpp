// The target side of the reverse-KL ("sampler") objective of Rezende & Mohamed 2015 (section
// 6.1): a finite stand-in log q̃
// for the target's log density and its gradient ∇ₓ log q̃ (the score), which the objective
// backpropagates through the flow. Targets expose only logDensity(), so the score is numerical.
//
// What is used, exactly:
//  - Smooth targets (every built-in but checkerboard): the target's own log density, with a
//    floor that only matters where it underflows:
//      log q̃(x) = logaddexp(log q(x), kLogFloor + log N(x; c, S²I)),
//    c the centre of target->bounds(), S half its larger side. NaN from the target counts as
//    −∞. The floor keeps log q̃ finite everywhere and, where q has underflowed, its score
//    −(x − c)/S² pulls points back toward the target. Score: central finite differences of
//    log q̃ with step δ = kStepFraction · (larger side of bounds()).
//  - Piecewise-constant targets (checkerboard, every ImageTarget): their log density is flat
//    inside the support and −∞ outside, so its gradient carries no information. They are replaced
//    by a Gaussian blur: q is rasterised on a kRaster × kRaster grid over bounds() (cell mass =
//    mean of q over 4×4 sub-samples), each cell's mass spread uniformly over the cell and convolved
//    with N(0, σ²I), σ = kBlurFraction · (larger side), cells beyond 8σ ignored. A second, broad
//    blur (σ₂ = kWideBlurFraction · side, on the raster coarsened 4×4) with weight kWideWeight
//    gives every point inside and around the box a score toward the nearest mass:
//      q̃ = (1 − β)·q_σ + β·q_σ₂ (+ the floor above),
//    evaluated with its gradient in closed form (differences of Φ and φ, per axis). The reverse
//    KL is then measured against this blurred target.
//  - Clipping: each point's score is scaled down to norm ≤ kMaxScore (a point far out in a sharp
//    target's tail would otherwise send a gradient of thousands); non-finite scores become 0.
//    log q̃ is finite for every finite x (≥ the floor), so no value clipping is needed.
//
// Owned by one thread (it keeps scratch); the target is shared read-only.
#pragma once

#include <memory>
#include <vector>

#include "core/base/types.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

class TargetScore {
 public:
  static constexpr double kLogFloor = -500.0;  // log α of the floor's weight
  static constexpr double kStepFraction = 1e-4;
  static constexpr double kBlurFraction = 0.03;
  static constexpr double kWideBlurFraction = 0.15;
  static constexpr double kWideWeight = 1e-3;
  static constexpr double kMaxScore = 1e3;
  static constexpr int kRaster = 96;

  enum class Kind { Smooth, Blurred };

  // Throws std::invalid_argument on a null target or invalid bounds.
  explicit TargetScore(std::shared_ptr<const Target> target);

  Kind kind() const { return kind_; }
  double blurSigma() const { return sigma_; }  // 0 for smooth targets

  // logq(i) = log q̃(x_i) (double, finite for finite x), score.col(i) = ∇ₓ log q̃(x_i), clipped.
  // x: 2×B; logq and score are resized.
  void evaluate(const Points& x, Eigen::VectorXd& logq, Points& score);

 private:
  double logFloor(double x, double y) const;
  void evaluateSmooth(const Points& x, Eigen::VectorXd& logq, Points& score);
  void evaluateBlurred(const Points& x, Eigen::VectorXd& logq, Points& score);

  // A cell-mass raster blurred by N(0, σ²I): q and ∇q at a point.
  struct Raster {
    int n = 0;  // cells per side
    double dx = 0.0, dy = 0.0;
    double sigma = 0.0;
    std::vector<double> mass;  // row-major, row j from the BOTTOM; Σ = 1
  };
  void blurred(const Raster& r, double px, double py, double& q, double& qx, double& qy);

  std::shared_ptr<const Target> target_;
  Kind kind_ = Kind::Smooth;
  Box box_;
  double cx_ = 0.0, cy_ = 0.0, floorVar_ = 1.0, logFloorNorm_ = 0.0;
  double step_ = 0.0, sigma_ = 0.0;
  Raster fine_, wide_;  // Blurred only
  // Scratch.
  Points shifted_;
  Eigen::VectorXd lq_;
  std::vector<double> bx_, dbx_, by_, dby_;
};

}  // namespace flowlab::core
