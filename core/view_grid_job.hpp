// The view worker's grid job: a scalar grid (exact log p_t, or div v) at time t built strip by
// strip from one snapshot's weights, each strip about chunkSeconds of work. GL-free; worker
// thread only (a published GridLayer is immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/density_grid.hpp"
#include "core/snapshot.hpp"
#include "core/view_frame.hpp"

namespace flowlab::core {

// Same size and box (time and solver aside).
bool sameGeometry(const DensityGridSpec& a, const DensityGridSpec& b);

class GridJob {
 public:
  // logDensity: log p_t (values in nats); otherwise div v (per unit time).
  explicit GridJob(bool logDensity) : logDensity_(logDensity) {}

  // One strip of work towards `want` with the newest snapshot. Returns false when the
  // published grid is already up to date; `out` receives a grid to publish, if any: when
  // complete, or progressively while the first grid of a new geometry is being built.
  bool step(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
            const DensityGridSpec& want, double chunkSeconds,
            std::shared_ptr<const GridLayer>& out);
  void clear();

 private:
  void start(const std::shared_ptr<const Snapshot>& snap, const LayerStamp& stamp,
             const DensityGridSpec& want);
  std::shared_ptr<const GridLayer> publish(bool complete) const;

  bool logDensity_;
  bool building_ = false;
  DensityGridSpec spec_;
  std::shared_ptr<const Snapshot> snap_;  // the weights of the grid being built
  LayerStamp buildStamp_;
  std::vector<float> values_;
  int nextRow_ = 0;
  long nfe_ = 0;
  double secondsPerCell_ = 2e-5;
  bool haveDone_ = false;
  DensityGridSpec done_;
  std::uint64_t doneVersion_ = 0;
};

}  // namespace flowlab::core
