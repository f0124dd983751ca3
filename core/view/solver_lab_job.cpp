// The solver lab's solve, a chunk of particles at a time (see solver_lab_job.hpp).
#include "core/view/solver_lab_job.hpp"

#include <algorithm>
#include <chrono>

#include "core/base/rng.hpp"
#include "core/base/stopwatch.hpp"
#include "core/eval/flow_evaluator.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;

// The exact log density next to the ledger: a fine adaptive solve.
constexpr SolverConfig kExactDensitySolver = SolverConfig::dopri5(1e-6, 1e-6);

}  // namespace

bool SolverLabJob::current(const ViewInputs& in) const {
  return pinned_ && model_.epoch == in.request.lab.epoch && model_.stage == in.request.lab.stage &&
         done_ && done_->request == in.request.lab && studyCurrent(in);
}

void SolverLabJob::clear() {
  pinned_ = building_ = false;
  done_.reset();
  study_.reset();
  studyDone_.reset();
}

void SolverLabJob::pin(const ViewInputs& in) {
  const SolverLabRequest& r = in.request.lab;
  const auto& stages = in.snapshot.model->stages;
  model_.epoch = r.epoch;
  model_.stage = r.stage;
  model_.stamp = in.stamp;
  model_.totalSteps = in.snapshot.totalSteps;
  model_.config = in.snapshot.model->config;
  // A finished stage when asked for and trained (rectified flow's earlier rounds), else the
  // stage being trained.
  const bool finished = r.stage >= 0 && r.stage < static_cast<int>(stages.size()) &&
                        stages[static_cast<std::size_t>(r.stage)].params.size() > 0;
  model_.params = finished ? stages[static_cast<std::size_t>(r.stage)].params : in.params;
  model_.target = in.snapshot.target;
  pinned_ = true;
  building_ = false;
}

void SolverLabJob::restart() {
  const SolverLabRequest& r = work_.request;
  const int placed = static_cast<int>(r.seeds.size() / 2);
  Points drawn(2, r.particles);
  Rng rng(r.seed);
  if (r.direction == FlowDirection::Normalize && model_.target)
    model_.target->sample(drawn, rng);
  else
    rng.fillNormal(drawn);
  starts_.resize(2, r.count());
  for (int i = 0; i < placed; ++i) {
    starts_(0, i) = r.seeds[2 * static_cast<std::size_t>(i)];
    starts_(1, i) = r.seeds[2 * static_cast<std::size_t>(i) + 1];
  }
  starts_.rightCols(r.particles) = drawn;
  work_.stamp = model_.stamp;
  work_.totalSteps = model_.totalSteps;
  next_ = 0;
  chunk_ = std::max(chunk_, std::min(r.highlighted, r.count()));
  building_ = true;
}

void SolverLabJob::step(const ViewInputs& in, double chunkSeconds) {
  const SolverLabRequest& r = in.request.lab;
  if (!pinned_ || model_.epoch != r.epoch || model_.stage != r.stage) pin(in);
  if (done_ && done_->request == r &&
      done_->stamp.snapshotVersion == model_.stamp.snapshotVersion && !building_) {
    stepStudy(in);
    return;
  }
  if (!building_ || !(work_.request == r)) {
    work_ = SolverLabLayer{};
    work_.request = r;
    restart();
  }
  const int count = r.count();
  if (isAdaptive(r.solver.solver)) {
    // Dopri5's steps depend on every point it carries: one batch.
    computeChunk(0, count);
    next_ = count;
  } else {
    const auto start = Clock::now();
    const int n = std::min(chunk_, count - next_);
    computeChunk(next_, n);
    next_ += n;
    const double took = secondsSince(start);
    if (took > 0.0)
      chunk_ = std::clamp(static_cast<int>(n * chunkSeconds / took), std::max(64, r.highlighted),
                          1 << 16);
  }
  if (next_ >= count) finish();
}

bool SolverLabJob::studyCurrent(const ViewInputs& in) const {
  if (!studyDone_ || studied_.stage != in.request.lab.stage) return false;
  return studied_.version == in.stamp.snapshotVersion ||
         secondsSince(studyStarted_) < kStudySeconds;
}

void SolverLabJob::stepStudy(const ViewInputs& in) {
  if (studyCurrent(in)) return;
  if (!study_) {
    const int stage = in.request.lab.stage;
    const auto& stages = in.snapshot.model->stages;
    const bool finished = stage >= 0 && stage < static_cast<int>(stages.size()) &&
                          stages[static_cast<std::size_t>(stage)].params.size() > 0;
    SolverStudyOptions o;
    o.n = ViewFrame::kLabStudyPoints;
    study_ = std::make_unique<SolverStudyBuilder>(
        in.snapshot.model->config,
        finished ? stages[static_cast<std::size_t>(stage)].params : in.params, in.snapshot.target,
        o);
    studying_ = {in.stamp.snapshotVersion, in.snapshot.totalSteps, stage};
    studyStarted_ = Clock::now();
  }
  study_->nextPiece();
  if (study_->done() == study_->pieces()) {
    studyDone_ = std::make_shared<const SolverStudy>(study_->take());
    studied_ = studying_;
    studySteps_ = studied_.totalSteps;
    study_.reset();
  }
}

void SolverLabJob::computeChunk(int begin, int count) {
  const SolverLabRequest& r = work_.request;
  const bool forward = r.direction == FlowDirection::Generate;
  const double t0 = forward ? 0.0 : 1.0, t1 = forward ? 1.0 : 0.0;
  const int record = std::clamp(r.highlighted - begin, 0, count);
  FlowEvaluator flow(model_.config, model_.params);
  const Points x0 = starts_.middleCols(begin, count);
  SolverRun part = forward
                       ? runSolver(flow.velocityFn(), x0, t0, t1, r.solver, record)
                       : runSolverWithLedger(flow.velocityDivFn(), x0, t0, t1, r.solver, record);
  const std::vector<Points> reference = referenceStates(flow.velocityFn(), x0, part.times);
  SolverRun& run = work_.run;
  const std::size_t times = part.times.size();
  if (begin == 0) {
    run.config = part.config;
    run.times = part.times;
    run.stats = part.stats;
    run.stages = std::move(part.stages);
    run.states.assign(times, Points(2, r.count()));
    work_.reference.assign(times, Points(2, r.count()));
    if (!forward) run.ledger.assign(times, PointRow(1, r.count()));
  }
  for (std::size_t k = 0; k < times; ++k) {
    run.states[k].middleCols(begin, count) = part.states[k];
    work_.reference[k].middleCols(begin, count) = reference[k];
    if (!forward) run.ledger[k].middleCols(begin, count) = part.ledger[k];
  }
}

void SolverLabJob::finish() {
  const SolverLabRequest& r = work_.request;
  work_.errors.clear();
  for (std::size_t k = 0; k < work_.run.times.size(); ++k)
    work_.errors.push_back(pointErrors(work_.run.states[k], work_.reference[k]));
  if (r.direction == FlowDirection::Normalize && r.highlighted > 0) {
    FlowEvaluator flow(model_.config, model_.params);
    flow.logDensity(starts_.leftCols(std::min(r.highlighted, r.count())), kExactDensitySolver,
                    work_.exactLogDensity);
  }
  done_ = std::make_shared<const SolverLabLayer>(std::move(work_));
  work_ = SolverLabLayer{};
  building_ = false;
}

}  // namespace flowlab::core
