// The view worker's scalar-grid jobs: exact log p_t or div v at the request's t on the heatmap
// grid, built strip by strip from one snapshot's weights (each strip about chunkSeconds of work)
// and published once the whole grid is done. GL-free; worker thread only (a published GridLayer
// is immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/eval/density_grid.hpp"
#include "core/view/view_job.hpp"

namespace flowlab::core {

// Same size and box (time and solver aside).
bool sameGeometry(const DensityGridSpec& a, const DensityGridSpec& b);

class ScalarGridJob final : public ViewJob {
 public:
  enum class Quantity { LogDensity, Divergence };
  explicit ScalarGridJob(Quantity quantity) : quantity_(quantity) {}

  bool wanted(const ViewInputs& in) const override;
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override;
  void clear() override;

  // The grid `in` asks for: the heatmap's size and box at the request's t (t = 1 without a
  // velocity field), with the density solver (densitySolverAt).
  static DensityGridSpec specFor(const ViewInputs& in);

 private:
  std::shared_ptr<const GridLayer> finish() const;

  Quantity quantity_;
  bool building_ = false;
  DensityGridSpec spec_;       // of the grid being built
  std::uint64_t version_ = 0;  // snapshot version of the grid being built
  LayerStamp stamp_;
  std::vector<float> values_;
  int nextRow_ = 0;
  long nfe_ = 0;
  double secondsPerCell_ = 2e-5;
  std::shared_ptr<const GridLayer> done_;
  DensityGridSpec doneSpec_;
};

}  // namespace flowlab::core
