// The view worker's solver-lab job: the lab's particles carried solver step by solver step with
// the chosen solver (every state kept, the stages of each step for the highlighted particles),
// the fine reference at the same times and the error against it. It works on the snapshot it
// holds — pinned when the request's epoch changes — so training may go on while the user steps;
// published as soon as it is done. Fixed-step solves are computed a chunk of particles at a
// time; Dopri5 picks its steps for the whole batch, so it runs in one piece. Then, once per model
// held, the solver study (convergence orders and W2 against N), a row per piece. GL-free; worker
// thread only (a published layer is immutable).
#pragma once

#include <memory>

#include "core/view/view_job.hpp"

namespace flowlab::core {

class SolverLabJob final : public ViewJob {
 public:
  bool wanted(const ViewInputs& in) const override {
    return in.request.lab.on && in.continuous && in.request.lab.count() > 0;
  }
  bool current(const ViewInputs& in) const override;
  void step(const ViewInputs& in, double chunkSeconds) override;
  void publish(ViewFrame& frame) const override {
    frame.lab = done_;
    frame.labStudy = studyDone_;
  }
  void clear() override;
  bool followsModel() const override { return false; }
  // Whether publishing would change what `frame` holds.
  bool changes(const ViewFrame& frame) const {
    return frame.lab != done_ || frame.labStudy != studyDone_;
  }

 private:
  // The model the lab holds.
  struct Pinned {
    std::uint64_t pin = 0;  // counts the pins: what a study was computed for
    std::uint64_t epoch = 0;
    int stage = -1;  // as asked (−1: the snapshot's current stage)
    LayerStamp stamp;
    long totalSteps = 0;
    TrainerConfig config;
    ParamVec params;
    std::shared_ptr<const Target> target;
  };
  void pin(const ViewInputs& in);
  void restart();
  void computeChunk(int begin, int count);
  void finish();
  // The study of the model held, a row per piece, once the solve is done.
  bool studyCurrent() const { return studyDone_ && studyPin_ == model_.pin; }
  void stepStudy();

  bool pinned_ = false;
  Pinned model_;
  bool building_ = false;
  SolverLabLayer work_;
  Points starts_;
  int next_ = 0;      // first particle still to compute
  int chunk_ = 1024;  // particles per piece, sized from the measured cost
  std::shared_ptr<const SolverLabLayer> done_;
  std::unique_ptr<SolverStudyBuilder> study_;
  std::uint64_t pins_ = 0;
  std::uint64_t builderPin_ = 0;  // the model study_ works for
  std::shared_ptr<const SolverStudy> studyDone_;
  std::uint64_t studyPin_ = 0;  // the model of studyDone_ (an older one shows until it is done)
};

}  // namespace flowlab::core
