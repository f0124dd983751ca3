// The view worker's solver-lab job: the lab's particles carried solver step by solver step with
// the chosen solver (every state kept, the stages of each step for the highlighted particles),
// the fine reference at the same times and the error against it. It works on the snapshot it
// holds — pinned when the request's epoch changes — so training may go on while the user steps;
// published as soon as it is done. Fixed-step solves are computed a chunk of particles at a
// time; Dopri5 picks its steps for the whole batch, so it runs in one piece. Then, once per model
// held, the solver study (convergence orders and W2 against N), a row per piece. GL-free; worker
// thread only (a published layer is immutable).
#pragma once

#include <chrono>
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
    frame.labStudySteps = studySteps_;
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
  // The study follows training: the newest model's (the lab's stage), a row per piece once the
  // solve is done, started again at most every kStudySeconds while the model changes.
  bool studyCurrent(const ViewInputs& in) const;
  void stepStudy(const ViewInputs& in);
  static constexpr double kStudySeconds = 5.0;

  bool pinned_ = false;
  Pinned model_;
  bool building_ = false;
  SolverLabLayer work_;
  Points starts_;
  int next_ = 0;      // first particle still to compute
  int chunk_ = 1024;  // particles per piece, sized from the measured cost
  std::shared_ptr<const SolverLabLayer> done_;
  std::unique_ptr<SolverStudyBuilder> study_;
  struct StudyModel {  // what a study is of
    std::uint64_t version = 0;
    long totalSteps = 0;
    int stage = -2;
  };
  StudyModel studying_{},
      studied_{};  // of study_, and of studyDone_ (shown until the next is done)
  std::chrono::steady_clock::time_point studyStarted_{};
  std::shared_ptr<const SolverStudy> studyDone_;
  long studySteps_ = 0;
};

}  // namespace flowlab::core
