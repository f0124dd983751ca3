// One layer of the view worker as a job: the interface every layer shares (particle table,
// warped grid, field arrows, streamlines, density and divergence grids, target layers), so that
// the worker's loop is a round-robin over jobs that knows nothing of any layer. GL-free; worker
// thread only (what a job publishes is immutable).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/training/snapshot.hpp"
#include "core/view/view_frame.hpp"

namespace flowlab::core {

// What a job computes from: the snapshot pinned for the worker's current cycle (its weights,
// config and target), the request pinned with it, and the snapshot's stamp.
struct ViewInputs {
  const Snapshot& snapshot;
  const ParamVec& params;  // the snapshot's current stage
  const ViewRequest& request;
  bool continuous;  // the model has a velocity field (false: RealNVP, t = 1 only)
  LayerStamp stamp;
  int threads = 1;  // threads a piece may use: more while the user waits for a jump in history
  // The newest snapshot of every method of a race (the worker's race source; empty without).
  const std::vector<std::shared_ptr<const Snapshot>>* race = nullptr;
};

class ViewJob {
 public:
  virtual ~ViewJob() = default;

  // Whether the request asks for this layer.
  virtual bool wanted(const ViewInputs& in) const = 0;
  // Whether the complete layer held was computed from exactly these inputs.
  virtual bool current(const ViewInputs& in) const = 0;
  // One bounded piece of work (about chunkSeconds) towards these inputs.
  virtual void step(const ViewInputs& in, double chunkSeconds) = 0;
  // Puts the complete layer held into its slot of the frame (null when there is none).
  virtual void publish(ViewFrame& frame) const = 0;
  // Forgets what it holds.
  virtual void clear() = 0;
  // Whether the layer follows the model's weights (false: the target layers, which follow the
  // target and are published as soon as they are done).
  virtual bool followsModel() const { return true; }
};

}  // namespace flowlab::core
