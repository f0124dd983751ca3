// The view worker's compare job: every stage of the newest model side by side — the same base
// points carried by each stage (a ParticleTable per panel) and each stage measured on the same
// samples (core/compare: W2 at RK4 100 and one Euler step, straightness, transport cost, NLL,
// crossings; the pairs it trained on). A finished stage's panel is computed once per model; the
// stage being trained is measured again at most every kRefreshSeconds. One panel per piece of
// work, published as soon as it is done. GL-free; worker thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "core/view/view_job.hpp"

namespace flowlab::core {

class CompareJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override {
    return in.request.compare.on && in.snapshot.model != nullptr;
  }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override { frame.compare = done_; }
  void clear() override;
  bool followsModel() const override { return false; }
  bool changes(const ViewFrame& frame) const { return frame.compare != done_; }

  static constexpr double kRefreshSeconds = 3.0;

 private:
  // Which panel is due: the first stage without a panel for this model, else the training
  // stage when its panel is older than kRefreshSeconds and the weights moved on; −1: none.
  int due(const ViewInputs& in) const;
  void reset(const ViewInputs& in);

  // What the panels were computed for: the model (resets), the target, the request.
  std::uint64_t resets_ = 0, targetVersion_ = 0;
  CompareRequest request_;
  bool started_ = false;
  std::optional<ComparisonSamples> samples_;
  Points starts_;
  std::vector<ComparePanel> panels_;
  std::vector<Points> endpoints_;        // per panel: the stage's endpoints of samples_.base
  std::vector<std::uint64_t> versions_;  // per panel: the snapshot version it was measured at
  std::chrono::steady_clock::time_point refreshed_{};
  std::shared_ptr<const CompareLayer> done_;
};

}  // namespace flowlab::core
