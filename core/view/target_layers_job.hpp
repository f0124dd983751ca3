// The view worker's target job: samples of the target and its log density on the heatmap grid.
// They follow the target (a painted edit is a new target version), not the model's weights, so
// they are published as soon as they are done. GL-free; worker thread only.
#pragma once

#include <cstdint>
#include <memory>

#include "core/view/view_job.hpp"

namespace flowlab::core {

class TargetLayersJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override {
    return in.snapshot.target && (in.request.targetSamples || in.request.targetDensity);
  }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override;
  void clear() override;
  bool followsModel() const override { return false; }

 private:
  std::shared_ptr<const Target> target_;  // the target the layers show
  std::uint64_t targetVersion_ = 0;
  ViewRequest request_;  // the request the layers were computed for
  bool done_ = false;
  std::shared_ptr<const Points> samples_;
  std::shared_ptr<const GridLayer> density_;
};

}  // namespace flowlab::core
