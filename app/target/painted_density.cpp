// The painted density behind the brush (GL-free).
#include "app/target/painted_density.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app {

double brushFalloff(double d, double radius, double softness) {
  if (!(radius > 0.0) || d >= radius) return 0.0;
  const double inner = radius * (1.0 - std::clamp(softness, 0.0, 1.0));
  if (d <= inner) return 1.0;
  const double u = (radius - d) / (radius - inner);  // 1 at inner, 0 at the rim
  return u * u * (3.0 - 2.0 * u);
}

PaintedDensity::PaintedDensity(int width, int height, core::Box box)
    : width_(std::max(width, 1)),
      height_(std::max(height, 1)),
      box_(box),
      weights_(static_cast<std::size_t>(width_) * height_, 0.0f) {}

void PaintedDensity::clear() {
  std::fill(weights_.begin(), weights_.end(), 0.0f);
  ++revision_;
}

void PaintedDensity::setWeights(std::vector<float> weights) {
  if (weights.size() != weights_.size()) return;
  weights_ = std::move(weights);
  ++revision_;
}

void PaintedDensity::loadFromTarget(const core::Target& target) {
  Eigen::VectorXd logp;
  target.logDensity(grid().cellCentres(), logp);
  double peak = -INFINITY;
  for (Eigen::Index k = 0; k < logp.size(); ++k)
    if (std::isfinite(logp(k))) peak = std::max(peak, logp(k));
  for (std::size_t k = 0; k < weights_.size(); ++k) {
    const double l = logp(static_cast<Eigen::Index>(k));
    weights_[k] =
        std::isfinite(l) && std::isfinite(peak) ? static_cast<float>(std::exp(l - peak)) : 0.0f;
  }
  ++revision_;
}

bool PaintedDensity::stamp(double x, double y, const BrushSettings& brush) {
  const core::GridGeometry g = grid();
  const double dx = g.cellWidth(), dy = g.cellHeight();
  const int i0 = std::max(0, static_cast<int>(std::floor((x - brush.radius - box_.x0) / dx)));
  const int i1 =
      std::min(width_ - 1, static_cast<int>(std::floor((x + brush.radius - box_.x0) / dx)));
  const int j0 = std::max(0, static_cast<int>(std::floor((y - brush.radius - box_.y0) / dy)));
  const int j1 =
      std::min(height_ - 1, static_cast<int>(std::floor((y + brush.radius - box_.y0) / dy)));
  const double strength = std::clamp(brush.strength, 0.0, 1.0);
  bool changed = false;
  for (int j = j0; j <= j1; ++j)
    for (int i = i0; i <= i1; ++i) {
      const double d = std::hypot(g.centreX(i) - x, g.centreY(j) - y);
      const double f = brushFalloff(d, brush.radius, brush.softness);
      if (f <= 0.0) continue;
      float& w = weights_[g.index(i, j)];
      const float before = w;
      if (brush.mode == BrushMode::Paint)
        w = std::min(1.0f, w + static_cast<float>(strength * f));  // saturates at the peak
      else
        w = static_cast<float>(w * (1.0 - strength * f));
      if (w < 1e-4f) w = 0.0f;
      changed = changed || w != before;
    }
  if (changed) ++revision_;
  return changed;
}

bool PaintedDensity::strokeTo(double x0, double y0, double x1, double y1,
                              const BrushSettings& brush) {
  const double length = std::hypot(x1 - x0, y1 - y0);
  const double spacing = std::max(brush.radius * 0.25, 1e-6);
  const int dabs = std::max(1, static_cast<int>(std::ceil(length / spacing)));
  bool changed = false;
  for (int k = 1; k <= dabs; ++k) {
    const double s = static_cast<double>(k) / dabs;
    changed = stamp(x0 + s * (x1 - x0), y0 + s * (y1 - y0), brush) || changed;
  }
  return changed;
}

bool PaintedDensity::empty() const {
  return std::all_of(weights_.begin(), weights_.end(), [](float w) { return w <= 0.0f; });
}

std::shared_ptr<const core::ImageTarget> PaintedDensity::makeTarget(const std::string& name) const {
  if (empty()) return nullptr;
  return std::make_shared<const core::ImageTarget>(width_, height_, weights_, box_, name);
}

}  // namespace flowlab::app
