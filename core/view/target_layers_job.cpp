// Target samples and the target's log density, recomputed when the target or their request
// changes.
#include "core/view/target_layers_job.hpp"

#include "core/base/grid_geometry.hpp"
#include "core/base/rng.hpp"

namespace flowlab::core {

bool TargetLayersJob::current(const ViewInputs& in) const {
  const ViewRequest& r = in.request;
  const ViewRequest& d = request_;
  return done_ && target_ == in.snapshot.target && targetVersion_ == in.snapshot.targetVersion &&
         r.targetSamples == d.targetSamples && r.targetSampleCount == d.targetSampleCount &&
         r.seed == d.seed && r.targetDensity == d.targetDensity &&
         (!r.targetDensity ||
          (r.heatmapWidth == d.heatmapWidth && r.heatmapHeight == d.heatmapHeight &&
           sameBox(r.heatmapBox, d.heatmapBox)));
}

void TargetLayersJob::step(const ViewInputs& in, double) {
  const ViewRequest& r = in.request;
  const Target& target = *in.snapshot.target;
  samples_.reset();
  density_.reset();
  if (r.targetSamples) {
    auto samples = std::make_shared<Points>(2, r.targetSampleCount);
    Rng rng(r.seed ^ 0x5eedf00dULL);
    target.sample(*samples, rng);
    samples_ = std::move(samples);
  }
  if (r.targetDensity) {
    auto layer = std::make_shared<GridLayer>();
    DensityGrid& g = layer->grid;
    g.width = r.heatmapWidth;
    g.height = r.heatmapHeight;
    g.box = r.heatmapBox;
    const Points centres = GridGeometry{g.box, g.width, g.height}.cellCentres();
    Eigen::VectorXd logp;
    target.logDensity(centres, logp);
    g.values.resize(logp.size());
    for (Eigen::Index i = 0; i < logp.size(); ++i) g.values[i] = static_cast<float>(logp(i));
    const auto [lo, hi] = finiteQuantileRange(g.values, 0.01, 0.999);
    layer->lo = lo;
    layer->hi = hi;
    layer->stamp = {in.snapshot.targetVersion, in.stamp.seen};
    density_ = std::move(layer);
  }
  target_ = in.snapshot.target;
  targetVersion_ = in.snapshot.targetVersion;
  request_ = r;
  done_ = true;
}

void TargetLayersJob::publish(ViewFrame& frame) const {
  frame.targetSamples = samples_;
  frame.targetDensity = density_;
  frame.targetVersion = done_ ? targetVersion_ : 0;
}

void TargetLayersJob::clear() {
  done_ = false;
  target_.reset();
  samples_.reset();
  density_.reset();
}

}  // namespace flowlab::core
