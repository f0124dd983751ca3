// The view worker's field jobs: the velocity field v(·, t) as arrows at cell centres and as
// streamlines, each computed in one piece from one snapshot's weights. Both carry the flow's
// typical speed at t (the median |v| of the flow's own samples at t), which scales the arrows
// and colours both, so that the field reads well where the data is, whatever the view box
// holds. GL-free; worker thread only (published layers are immutable).
#pragma once

#include <cstdint>
#include <memory>

#include "core/view/view_job.hpp"

namespace flowlab::core {

// The median of |v(x_t, t)| over `n` samples of the flow at time t: base points (seeded) carried
// from 0 to t by RK4 (⌈8t⌉ steps). The speed that matters in the picture: where the data is.
double typicalSpeedAt(const TrainerConfig& config, const ParamVec& params, double t,
                      std::uint64_t seed, int n = 256);

class FieldArrowsJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override { return in.continuous && in.request.field; }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override { frame.field = done_; }
  void clear() override { done_.reset(); }

 private:
  std::shared_ptr<const FieldSamples> done_;
};

class StreamlinesJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override {
    return in.continuous && in.request.streamlines;
  }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override { frame.streamlines = done_; }
  void clear() override { done_.reset(); }

 private:
  std::shared_ptr<const StreamlineLayer> done_;
  int seeds_ = 0;  // the request's seed count the lines were traced for
};

}  // namespace flowlab::core
