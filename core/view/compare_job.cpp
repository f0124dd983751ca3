// The stages side by side (see compare_job.hpp).
#include "core/view/compare_job.hpp"

#include <algorithm>

#include "core/base/rng.hpp"
#include "core/compare/crossings.hpp"
#include "core/training/history_snapshot.hpp"
#include "core/view/table_jobs.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;

int stageCountOf(const Snapshot& s) { return static_cast<int>(s.model->stages.size()); }

// A stage's weights: a finished stage's own, or the snapshot's current ones.
const ParamVec& stageParams(const ViewInputs& in, int stage) {
  const auto& stages = in.snapshot.model->stages;
  const bool finished =
      stage < in.snapshot.stage && stages[static_cast<std::size_t>(stage)].params.size() > 0;
  return finished ? stages[static_cast<std::size_t>(stage)].params : in.params;
}

std::string panelName(const TrainerConfig& config, int stage) {
  if (config.method == Method::RectifiedFlow) return std::to_string(stage + 1) + "-RF";
  return std::string(methodName(config.method));
}

}  // namespace

void CompareJob::clear() {
  started_ = false;
  samples_.reset();
  panels_.clear();
  endpoints_.clear();
  versions_.clear();
  done_.reset();
}

void CompareJob::reset(const ViewInputs& in) {
  clear();
  resets_ = in.snapshot.resets;
  targetVersion_ = in.snapshot.targetVersion;
  request_ = in.request.compare;
  started_ = true;
  if (in.snapshot.target)
    samples_.emplace(*in.snapshot.target, CompareLayer::kFigurePoints, CompareLayer::kFigurePoints,
                     request_.seed, CompareLayer::kBoundPoints);
  starts_ = Points(2, std::max(1, request_.particles));
  Rng rng(request_.seed);  // the particle layer's start points: the same seed
  rng.fillNormal(starts_);
}

int CompareJob::due(const ViewInputs& in) const {
  if (!started_ || !samples_) return -1;
  const int stages = std::min(stageCountOf(in.snapshot), in.snapshot.stage + 1);
  for (int k = 0; k < stages; ++k)
    if (k >= static_cast<int>(panels_.size())) return k;
  const int training = in.snapshot.stage;
  // A model from the training history is shown at once; the live one at most every
  // kRefreshSeconds while it trains.
  if (training < static_cast<int>(panels_.size())) {
    const auto slot = static_cast<std::size_t>(training);
    const bool history = isHistorical(in.snapshot.version);
    const bool measuredInHistory = isHistorical(versions_[slot]);
    const bool refresh = panels_[slot].training &&
                         Clock::now() - refreshed_ > std::chrono::duration<double>(kRefreshSeconds);
    if (versions_[slot] != in.stamp.snapshotVersion && (history || measuredInHistory || refresh))
      return training;
  }
  // A panel measured while training whose stage has finished since: once more, final.
  for (int k = 0; k < static_cast<int>(panels_.size()); ++k)
    if (panels_[static_cast<std::size_t>(k)].training && k < in.snapshot.stage) return k;
  return -1;
}

bool CompareJob::current(const ViewInputs& in) const {
  const bool same = started_ && resets_ == in.snapshot.resets &&
                    targetVersion_ == in.snapshot.targetVersion && request_ == in.request.compare;
  const bool laterStages = panels_.size() > static_cast<std::size_t>(in.snapshot.stage) + 1;
  return same && !laterStages && due(in) < 0;
}

void CompareJob::step(const ViewInputs& in, double /*chunkSeconds*/) {
  if (!started_ || resets_ != in.snapshot.resets || targetVersion_ != in.snapshot.targetVersion ||
      !(request_ == in.request.compare))
    reset(in);
  // Looking back to an earlier stage: the later stages' panels go (they come back when live).
  const auto stages = static_cast<std::size_t>(in.snapshot.stage) + 1;
  if (panels_.size() > stages) {
    panels_.resize(stages);
    endpoints_.resize(stages);
    versions_.resize(stages);
    versions_.back() = 0;  // measure this stage again for the snapshot shown
  }
  const int k = due(in);
  if (k < 0) return;
  const TrainerConfig& config = in.snapshot.model->config;
  const ParamVec& params = stageParams(in, k);
  ComparePanel panel;
  panel.name = panelName(config, k);
  panel.stage = k;
  panel.training = k == in.snapshot.stage && in.snapshot.status != TrainerStatus::Finished &&
                   !isHistorical(in.snapshot.version);  // a past model is not training
  panel.trainingSteps = k == in.snapshot.stage
                            ? in.snapshot.step
                            : in.snapshot.model->stages[static_cast<std::size_t>(k)].stepsTrained;
  panel.stageSteps = config.steps;
  panel.table = std::make_shared<const ParticleTable>(
      carriedTable(config, params, starts_, std::max(1, request_.knots)));
  const EntryMeasurement m = measureEntry(config, params, *samples_, 1, false);
  panel.figures = m.figures;
  // The crossing paths drawn and counted: of the panel's own first paths.
  if (panel.table->positions.size() > 1)
    panel.crossingPaths = std::make_shared<const std::vector<int>>(crossingColumns(
        panel.table->positions, std::min(panel.table->count(), EntryMeasurement::kCrossingPaths),
        &panel.figures.crossings));
  static const Points kNone(2, 0);
  const Points& previous = k > 0 && static_cast<std::size_t>(k) <= endpoints_.size()
                               ? endpoints_[static_cast<std::size_t>(k - 1)]
                               : kNone;
  const Points ends =
      trainingCouplingEnds(config, k, *samples_, previous, EntryMeasurement::kCrossingPaths);
  if (ends.cols() > 0) {
    const Points starts = samples_->base.leftCols(ends.cols());
    panel.couplingCrossingLines = std::make_shared<const std::vector<int>>(
        crossingColumns({starts, ends}, static_cast<int>(ends.cols()), &panel.couplingCrossings));
    panel.couplingStarts = std::make_shared<const Points>(starts);
    panel.couplingEnds = std::make_shared<const Points>(ends);
  }
  const auto slot = static_cast<std::size_t>(k);
  if (slot == panels_.size()) {
    panels_.push_back(std::move(panel));
    endpoints_.push_back(m.endpoints);
    versions_.push_back(in.stamp.snapshotVersion);
  } else {
    panels_[slot] = std::move(panel);
    endpoints_[slot] = m.endpoints;
    versions_[slot] = in.stamp.snapshotVersion;
  }
  if (k == in.snapshot.stage) refreshed_ = Clock::now();
  auto layer = std::make_shared<CompareLayer>();
  layer->panels = panels_;
  layer->otLowerBound = samples_->otLowerBound;
  layer->w2Floor = samples_->w2Floor;
  layer->n = CompareLayer::kFigurePoints;
  layer->boundN = samples_->boundN;
  done_ = std::move(layer);
}

}  // namespace flowlab::core
