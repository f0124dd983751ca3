// The view worker's compare job: side by side, every stage of the newest model — or, with
// CompareRequest::methods, every stage of each method of a race — the same base points carried
// by each (a ParticleTable per panel) and each measured on the same samples (core/compare: W2 at
// RK4 100 and one Euler step, straightness, transport cost, NLL, crossings; the pairs it trained
// on; its steps/s and wall time). A finished stage's panel is computed once; a stage being
// trained is measured again at most every kRefreshSeconds (the stalest first). One panel per
// piece of work, published as soon as it is done. GL-free; worker thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

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
  // A panel and what it was measured from.
  struct Measured {
    ComparePanel panel;
    Points endpoints;           // the stage's endpoints of samples_.base (the next round's pairs)
    std::uint64_t version = 0;  // the snapshot version it was measured at
  };
  // Which (source, stage) is due, if any: the first stage without a panel; else the stalest
  // training stage whose panel is older than kRefreshSeconds (at once for a model from the
  // training history); else a panel measured while training whose stage has finished since.
  struct Due {
    int source = -1, stage = -1;
  };
  Due due(const std::vector<const Snapshot*>& sources) const;
  bool sameInputs(const ViewInputs& in, const std::vector<const Snapshot*>& sources) const;
  void reset(const ViewInputs& in, const std::vector<const Snapshot*>& sources);
  void measure(const Snapshot& source, int sourceIndex, int stage, bool named);
  void publishLayer();

  // What the panels were computed for: the request, each source's resets, the target.
  CompareRequest request_;
  std::vector<std::uint64_t> resets_;
  std::uint64_t targetVersion_ = 0;
  bool started_ = false;
  std::optional<ComparisonSamples> samples_;
  Points starts_;
  std::vector<std::vector<Measured>> measured_;                   // [source][stage]
  std::vector<std::chrono::steady_clock::time_point> refreshed_;  // per source
  std::shared_ptr<const CompareLayer> done_;
};

}  // namespace flowlab::core
