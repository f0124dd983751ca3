// TrainingSession: the synchronous training loop shared by the CLI and the Trainer thread.
#include "core/training/training_session.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/base/stopwatch.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/nn/adam.hpp"
#include "core/nn/realnvp.hpp"
#include "core/objectives/objective.hpp"

namespace flowlab::core {
namespace {

// Random streams of a run, split from the seed so each use is independent and repeatable.
enum Stream : std::uint64_t { kInit = 1, kTrain = 2, kPairs = 100 };

std::unique_ptr<Objective> makeObjective(const TrainerConfig& config,
                                         std::shared_ptr<const Target> target,
                                         std::shared_ptr<const PairSet> pairs) {
  switch (config.method) {
    case Method::FlowMatching:
    case Method::OtCfm:
    case Method::RectifiedFlow:
      return makeFlowMatchingObjective(config, std::move(target), std::move(pairs));
    case Method::Cnf:
      return makeCnfObjective(config, std::move(target));
    case Method::ReverseKl:
      return makeReverseKlObjective(config, std::move(target));
    case Method::RealNvp:
      return makeRealNvpObjective(config, std::move(target));
  }
  throw std::invalid_argument("unknown method");
}

}  // namespace

TrainingSession::TrainingSession(const TrainerConfig& config, std::shared_ptr<const Target> target)
    : config_(config), target_(std::move(target)), rng_(config.seed) {
  if (const std::string problem = validate(config_); !problem.empty())
    throw std::invalid_argument(problem);
  if (!target_) throw std::invalid_argument("no target to train on");
  params_.resize(parameterCount(config_));
  Rng initRng = rng_.split(kInit);
  initialParameters(config_, params_, initRng);
  grad_.setZero(params_.size());
  lastGood_ = params_;
  adam_ = std::make_unique<Adam>(params_.size(), config_.adam);
  rng_ = rng_.split(kTrain);
  objective_ = makeObjective(config_, target_, nullptr);
  smoothedLoss_ = std::numeric_limits<double>::quiet_NaN();
}

TrainingSession::~TrainingSession() = default;

TrainingSession::StepResult TrainingSession::step() {
  const auto start = std::chrono::steady_clock::now();
  const double loss = objective_->lossAndGradient(params_, grad_, rng_);
  if (std::isfinite(loss)) {
    if (config_.schedule == LrSchedule::Cosine) {
      AdamConfig scheduled = config_.adam;
      const double progress = std::min(1.0, static_cast<double>(stageStep_) / config_.steps);
      scheduled.learningRate *= 0.5 * (1.0 + std::cos(3.14159265358979323846 * progress));
      adam_->setConfig(scheduled);
    }
    // A non-finite gradient leaves the parameters as they were (Adam::step).
    if (std::isfinite(adam_->step(params_, grad_)))
      smoothedLoss_ = std::isfinite(smoothedLoss_) ? 0.98 * smoothedLoss_ + 0.02 * loss : loss;
  }
  ++stageStep_;
  ++totalSteps_;
  stageSeconds_ += secondsSince(start);
  if (!std::isfinite(loss)) {
    params_ = lastGood_;
    adam_->reset();
    return {loss, true};
  }
  if (totalSteps_ % kMarkGoodEvery == 0) lastGood_ = params_;
  return {loss, false};
}

int TrainingSession::stageCount() const { return core::stageCount(config_); }

bool TrainingSession::stageDone() const { return stageStep_ >= config_.steps; }

bool TrainingSession::finished() const { return stageDone() && stage_ + 1 >= stageCount(); }

ObjectiveStats TrainingSession::objectiveStats() const { return objective_->stats(); }

std::shared_ptr<const PairSet> TrainingSession::reflowPairs(int finished, const ParamVec& params,
                                                            const Progress& progress) const {
  // Reflow: couple fresh base samples with where the finished stage's flow takes them,
  // x1 = ODE_k(x0), and train the next stage on that fixed coupling (Liu et al. 2023).
  auto pairs = std::make_shared<PairSet>();
  const Eigen::Index m = config_.reflowPairs;
  pairs->x0.resize(2, m);
  Rng pairRng = Rng(config_.seed).split(kPairs + static_cast<std::uint64_t>(finished));
  pairRng.fillNormal(pairs->x0);
  pairs->x1 = pairs->x0;
  // In chunks, so that the caller can show progress and stop; each chunk's result does not
  // depend on the chunking (fixed-step solvers; sampleFlow splits by columns as well).
  const Eigen::Index chunk = 4096;
  for (Eigen::Index b = 0; b < m; b += chunk) {
    const Eigen::Index n = std::min(chunk, m - b);
    Points part = pairs->x1.middleCols(b, n);
    // sampleFlow turns a failing chunk (e.g. Dopri5 giving up) into an exception on this thread.
    sampleFlow(config_, params, part, config_.pairSolver, config_.threads);
    pairs->x1.middleCols(b, n) = part;
    if (progress && !progress(static_cast<double>(b + n) / static_cast<double>(m))) return nullptr;
  }
  if (!pairs->x1.allFinite())
    throw std::runtime_error("the finished stage's flow produced non-finite reflow pairs");
  return pairs;
}

bool TrainingSession::advanceStage(const Progress& progress) {
  if (stage_ + 1 >= stageCount()) return false;
  auto pairs = reflowPairs(stage_, params_, progress);
  if (!pairs) return false;
  finishedStages_.push_back(Stage{params_, stageStep_, smoothedLoss_, stageSeconds_});
  ++stage_;
  stageStep_ = 0;
  stageSeconds_ = 0.0;
  smoothedLoss_ = std::numeric_limits<double>::quiet_NaN();
  // Warm start from the finished stage (as Liu et al. do); fresh optimiser moments.
  adam_->reset();
  objective_ = makeObjective(config_, target_, std::move(pairs));
  lastGood_ = params_;
  return true;
}

void TrainingSession::applyLive(const TrainerConfig& config) {
  if (needsReset(config_, config))
    throw std::invalid_argument("this change needs a fresh model (reset)");
  if (const std::string problem = validate(config); !problem.empty())
    throw std::invalid_argument(problem);
  if (config.batch != config_.batch) objective_->setBatch(config.batch);
  adam_->setConfig(config.adam);
  const bool objectiveChanged = config.sigma != config_.sigma || !(config.cnf == config_.cnf);
  config_ = config;
  if (objectiveChanged && stage_ == 0) objective_ = makeObjective(config_, target_, nullptr);
}

void TrainingSession::setTarget(std::shared_ptr<const Target> target) {
  if (!target) return;
  target_ = target;
  objective_->setTarget(std::move(target));
}

void TrainingSession::rewind(const ParamVec& params) {
  if (params.size() != params_.size())
    throw std::invalid_argument("TrainingSession::rewind: parameter count differs");
  params_ = params;
  lastGood_ = params;
  adam_->reset();
}

TrainingSession::TrainingSession(const TrainingCheckpoint& checkpoint,
                                 std::shared_ptr<const Target> target,
                                 const std::function<bool(double)>& progress)
    : TrainingSession(checkpoint.model.config, std::move(target)) {
  const Model& m = checkpoint.model;
  const Eigen::Index count = params_.size();
  if (m.stages.empty() || int(m.stages.size()) > stageCount())
    throw std::invalid_argument("the checkpoint's stage count does not fit its config");
  for (const Stage& s : m.stages)
    if (s.params.size() != count)
      throw std::invalid_argument("the checkpoint's parameters do not fit its network");
  if (checkpoint.lastGood.size() != count || checkpoint.totalSteps < 0)
    throw std::invalid_argument("the checkpoint's guard state does not fit its network");
  finishedStages_.assign(m.stages.begin(), m.stages.end() - 1);
  stage_ = int(finishedStages_.size());
  const Stage& current = m.stages.back();
  params_ = current.params;
  stageStep_ = current.stepsTrained;
  smoothedLoss_ = current.finalLoss;
  stageSeconds_ = current.trainSeconds;
  totalSteps_ = checkpoint.totalSteps;
  lastGood_ = checkpoint.lastGood;
  adam_->restore(checkpoint.adam);
  rng_.restore(checkpoint.rng);
  if (stage_ > 0) {
    auto pairs = reflowPairs(stage_ - 1, finishedStages_.back().params, progress);
    if (!pairs) throw std::runtime_error("stopped");
    objective_ = makeObjective(config_, target_, std::move(pairs));
  }
}

TrainingCheckpoint TrainingSession::checkpoint() const {
  return {model(), lastGood_, adam_->state(), rng_.state(), totalSteps_};
}

Model TrainingSession::model() const {
  Model m;
  m.config = config_;
  m.stages = finishedStages_;
  m.stages.push_back(Stage{params_, stageStep_, smoothedLoss_, stageSeconds_});
  return m;
}

void initialParameters(const TrainerConfig& config, ParamVec& params, Rng& rng) {
  params.resize(parameterCount(config));
  if (config.method == Method::RealNvp)
    RealNvp(config.mlp, config.couplingLayers).initParams(params, rng);
  else
    Mlp(config.mlp).initParams(params, rng);
}

}  // namespace flowlab::core
