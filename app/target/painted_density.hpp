// Painting a target density: a W×H grid of non-negative weights over a world box, edited with a
// round brush (paint / erase, radius, strength, soft edge) and turned into a core::ImageTarget
// for the trainer. GL-free; UI thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/grid_geometry.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::app {

enum class BrushMode { Paint, Erase };

struct BrushSettings {
  BrushMode mode = BrushMode::Paint;
  double radius = 0.5;    // world units
  double strength = 0.5;  // per stamp, in [0, 1]: paint adds up to it, erase removes that share
  double softness = 0.6;  // [0, 1]: 0 a hard disc, 1 a falloff from the centre to the rim
};

// Brush weight at distance d from the centre: 1 inside radius·(1 − softness), a smooth ramp to
// 0 at the radius, 0 beyond.
double brushFalloff(double d, double radius, double softness);

class PaintedDensity {
 public:
  // Weights start at zero, in the grid's order (row 0 at the bottom, as core::ImageTarget's).
  PaintedDensity(int width = 128, int height = 128, core::Box box = {-4.0, -4.0, 4.0, 4.0});

  int width() const { return width_; }
  int height() const { return height_; }
  const core::Box& box() const { return box_; }
  const std::vector<float>& weights() const { return weights_; }
  core::GridGeometry grid() const { return {box_, width_, height_}; }
  float weight(int i, int j) const { return weights_[grid().index(i, j)]; }
  // Incremented by every edit, so callers can tell when to rebuild the target.
  std::uint64_t revision() const { return revision_; }

  void clear();
  // Replaces every weight (sizes must match; the grid's order).
  void setWeights(std::vector<float> weights);
  // Rasterises a target's density at the cell centres, scaled so the densest cell is 1.
  void loadFromTarget(const core::Target& target);
  // One dab of the brush centred at world (x, y). Returns true when any weight changed.
  bool stamp(double x, double y, const BrushSettings& brush);
  // Dabs along the segment from (x0, y0) to (x1, y1), spaced a quarter radius apart (the first
  // point excluded, so consecutive segments of a stroke do not dab twice).
  bool strokeTo(double x0, double y0, double x1, double y1, const BrushSettings& brush);

  bool empty() const;  // every weight zero
  // The painted density as a target, or nullptr when nothing is painted.
  std::shared_ptr<const core::ImageTarget> makeTarget(const std::string& name = "painted") const;

 private:
  int width_, height_;
  core::Box box_;
  std::vector<float> weights_;
  std::uint64_t revision_ = 0;
};

}  // namespace flowlab::app
