// Strips of a density or divergence grid, sized from the measured cost per cell.
#include "core/view_grid_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace flowlab::core {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

bool sameGeometry(const DensityGridSpec& a, const DensityGridSpec& b) {
  return a.width == b.width && a.height == b.height && sameBox(a.box, b.box);
}

bool GridJob::step(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
                   const DensityGridSpec& want, double chunkSeconds,
                   std::shared_ptr<const GridLayer>& out) {
  if (!building_) {
    const bool upToDate = haveDone_ && sameGeometry(done_, want) && done_.t == want.t &&
                          done_.solver.steps == want.solver.steps &&
                          doneVersion_ == stamp.snapshotVersion;
    if (upToDate) return false;
    start(snap, stamp, want);
  } else if (!sameGeometry(spec_, want)) {
    start(snap, stamp, want);
  }
  const int w = spec_.width, h = spec_.height;
  const int rows =
      std::clamp(static_cast<int>(chunkSeconds / (secondsPerCell_ * w)), 1, h - nextRow_);
  const double dy = spec_.box.height() / h;
  DensityGridSpec strip = spec_;
  strip.height = rows;
  strip.box.y0 = spec_.box.y0 + nextRow_ * dy;
  strip.box.y1 = spec_.box.y0 + (nextRow_ + rows) * dy;
  strip.threads = 1;
  const auto begin = Clock::now();
  const Model& model = *snap_->model;
  const DensityGrid part =
      logDensity_ ? computeLogDensityGrid(model.config, model.stages.back().params, strip)
                  : computeDivergenceGrid(model.config, model.stages.back().params, strip);
  const double perCell = secondsSince(begin) / (static_cast<double>(rows) * w);
  secondsPerCell_ = 0.5 * secondsPerCell_ + 0.5 * std::max(perCell, 1e-9);
  std::copy(part.values.begin(), part.values.end(),
            values_.begin() + static_cast<std::ptrdiff_t>(nextRow_) * w);
  nfe_ = part.nfe;
  nextRow_ += rows;
  const bool progressive = !haveDone_ || !sameGeometry(done_, spec_);
  if (nextRow_ >= h) {
    building_ = false;
    haveDone_ = true;
    done_ = spec_;
    doneVersion_ = buildStamp_.snapshotVersion;
    snap_.reset();
    out = publish(true);
  } else if (progressive) {
    out = publish(false);
  }
  return true;
}

void GridJob::clear() {
  building_ = false;
  haveDone_ = false;
  snap_.reset();
}

void GridJob::start(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
                    const DensityGridSpec& want) {
  building_ = true;
  spec_ = want;
  snap_ = snap;
  buildStamp_ = stamp;
  values_.assign(static_cast<std::size_t>(want.width) * want.height,
                 std::numeric_limits<float>::quiet_NaN());
  nextRow_ = 0;
}

std::shared_ptr<const GridLayer> GridJob::publish(bool complete) const {
  auto layer = std::make_shared<GridLayer>();
  layer->grid.width = spec_.width;
  layer->grid.height = spec_.height;
  layer->grid.box = spec_.box;
  layer->grid.t = spec_.t;
  layer->grid.values = values_;
  layer->grid.nfe = nfe_;
  if (logDensity_) {
    const double cell = spec_.box.width() * spec_.box.height() / (spec_.width * spec_.height);
    double mass = 0.0;
    for (float v : values_)
      if (std::isfinite(v)) mass += std::exp(static_cast<double>(v)) * cell;
    layer->grid.mass = mass;
  }
  // Log densities: the top of the range matters; divergences: a symmetric robust scale.
  const auto [lo, hi] = logDensity_ ? finiteQuantileRange(values_, 0.01, 0.999)
                                    : finiteQuantileRange(values_, 0.05, 0.95);
  layer->lo = lo;
  layer->hi = hi;
  layer->complete = complete;
  layer->stamp = buildStamp_;
  return layer;
}

}  // namespace flowlab::core
