// Strips of a density or divergence grid, sized from the measured cost per cell.
#include "core/view/scalar_grid_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/base/stopwatch.hpp"

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

bool sameSpec(const DensityGridSpec& a, const DensityGridSpec& b) {
  return sameGeometry(a, b) && a.t == b.t && a.solver.solver == b.solver.solver &&
         a.solver.steps == b.solver.steps;
}

}  // namespace

bool sameGeometry(const DensityGridSpec& a, const DensityGridSpec& b) {
  return a.width == b.width && a.height == b.height && sameBox(a.box, b.box);
}

DensityGridSpec ScalarGridJob::specFor(const ViewInputs& in) {
  const ViewRequest& r = in.request;
  DensityGridSpec spec;
  spec.width = r.heatmapWidth;
  spec.height = r.heatmapHeight;
  spec.box = r.heatmapBox;
  spec.t = in.continuous ? r.t : 1.0;
  spec.solver = densitySolverAt(spec.t, r.densitySteps);
  spec.threads = 1;
  return spec;
}

bool ScalarGridJob::wanted(const ViewInputs& in) const {
  return quantity_ == Quantity::LogDensity ? in.request.density
                                           : in.request.divergence && in.continuous;
}

bool ScalarGridJob::current(const ViewInputs& in) const {
  return done_ && done_->stamp.snapshotVersion == in.stamp.snapshotVersion &&
         sameSpec(doneSpec_, specFor(in));
}

void ScalarGridJob::step(const ViewInputs& in, double chunkSeconds) {
  const DensityGridSpec want = specFor(in);
  if (!building_ || version_ != in.stamp.snapshotVersion || !sameSpec(spec_, want)) {
    building_ = true;
    spec_ = want;
    version_ = in.stamp.snapshotVersion;
    stamp_ = in.stamp;
    values_.assign(static_cast<std::size_t>(want.width) * want.height,
                   std::numeric_limits<float>::quiet_NaN());
    nextRow_ = 0;
  }
  const int w = spec_.width, h = spec_.height;
  const int rows =
      std::clamp(static_cast<int>(chunkSeconds / (secondsPerCell_ * w)), 1, h - nextRow_);
  const double dy = spec_.box.height() / h;
  DensityGridSpec strip = spec_;
  strip.height = rows;
  strip.threads = in.threads;
  strip.box.y0 = spec_.box.y0 + nextRow_ * dy;
  strip.box.y1 = spec_.box.y0 + (nextRow_ + rows) * dy;
  const auto begin = Clock::now();
  const TrainerConfig& config = in.snapshot.model->config;
  const DensityGrid part = quantity_ == Quantity::LogDensity
                               ? computeLogDensityGrid(config, in.params, strip)
                               : computeDivergenceGrid(config, in.params, strip);
  const double perCell = secondsSince(begin) / (static_cast<double>(rows) * w);
  secondsPerCell_ = 0.5 * secondsPerCell_ + 0.5 * std::max(perCell, 1e-9);
  std::copy(part.values.begin(), part.values.end(),
            values_.begin() + static_cast<std::ptrdiff_t>(nextRow_) * w);
  nfe_ = part.nfe;
  nextRow_ += rows;
  if (nextRow_ < h) return;
  building_ = false;
  done_ = finish();
  doneSpec_ = spec_;
}

void ScalarGridJob::publish(ViewFrame& frame) const {
  (quantity_ == Quantity::LogDensity ? frame.density : frame.divergence) = done_;
}

void ScalarGridJob::clear() {
  building_ = false;
  done_.reset();
}

std::shared_ptr<const GridLayer> ScalarGridJob::finish() const {
  auto layer = std::make_shared<GridLayer>();
  layer->grid.width = spec_.width;
  layer->grid.height = spec_.height;
  layer->grid.box = spec_.box;
  layer->grid.t = spec_.t;
  layer->grid.values = values_;
  layer->grid.nfe = nfe_;
  const bool logDensity = quantity_ == Quantity::LogDensity;
  if (logDensity) {
    const double cell = spec_.box.width() * spec_.box.height() / (spec_.width * spec_.height);
    double mass = 0.0;
    for (float v : values_)
      if (std::isfinite(v)) mass += std::exp(static_cast<double>(v)) * cell;
    layer->grid.mass = mass;
  }
  // Log densities: the top of the range matters; divergences: a symmetric robust scale.
  const auto [lo, hi] = logDensity ? finiteQuantileRange(values_, 0.01, 0.999)
                                   : finiteQuantileRange(values_, 0.05, 0.95);
  layer->lo = lo;
  layer->hi = hi;
  layer->stamp = stamp_;
  return layer;
}

}  // namespace flowlab::core
