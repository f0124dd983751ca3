// Side by side (see compare_job.hpp).
#include "core/view/compare_job.hpp"

#include <algorithm>

#include "core/base/rng.hpp"
#include "core/compare/crossings.hpp"
#include "core/training/history_snapshot.hpp"
#include "core/view/table_jobs.hpp"

namespace flowlab::core {
namespace {

using Clock = std::chrono::steady_clock;

// The snapshots whose stages are set side by side: the race's methods, or the model's stages.
std::vector<const Snapshot*> sourcesOf(const ViewInputs& in) {
  std::vector<const Snapshot*> out;
  if (in.request.compare.methods) {
    if (in.race)
      for (const auto& s : *in.race)
        if (s && s->model && !s->model->stages.empty()) out.push_back(s.get());
  } else {
    out.push_back(&in.snapshot);
  }
  return out;
}

// The snapshot whose target the panels are measured against: the first source's (the race
// trains every method on one target), else the model's.
const Snapshot& targetOf(const ViewInputs& in, const std::vector<const Snapshot*>& sources) {
  return sources.empty() ? in.snapshot : *sources.front();
}

// The stages shown of a source: every one up to the one it trains.
int shownStages(const Snapshot& s) {
  return std::min(static_cast<int>(s.model->stages.size()), s.stage + 1);
}

// A stage's weights: a finished stage's own, or the snapshot's current ones.
const ParamVec& stageParams(const Snapshot& s, int stage) {
  const auto& stages = s.model->stages;
  const bool finished =
      stage < s.stage && stages[static_cast<std::size_t>(stage)].params.size() > 0;
  return finished ? stages[static_cast<std::size_t>(stage)].params : stages.back().params;
}

// "1-RF", "2-RF", … for rectified flow's rounds; the method's name otherwise; among methods,
// rf's rounds are "rf 1-RF", ….
std::string panelName(const TrainerConfig& config, int stage, bool named) {
  const std::string method(methodName(config.method));
  if (config.method != Method::RectifiedFlow) return method;
  const std::string round = std::to_string(stage + 1) + "-RF";
  return named ? method + " " + round : round;
}

bool trainingStage(const Snapshot& s, int stage) {
  return stage == s.stage && s.status != TrainerStatus::Finished && !isHistorical(s.version);
}

}  // namespace

void CompareJob::clear() {
  started_ = false;
  samples_.reset();
  measured_.clear();
  refreshed_.clear();
  resets_.clear();
  done_.reset();
}

bool CompareJob::sameInputs(const ViewInputs& in,
                            const std::vector<const Snapshot*>& sources) const {
  if (!started_ || !(request_ == in.request.compare) ||
      targetVersion_ != targetOf(in, sources).targetVersion || resets_.size() != sources.size())
    return false;
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (resets_[i] != sources[i]->resets) return false;
  return true;
}

void CompareJob::reset(const ViewInputs& in, const std::vector<const Snapshot*>& sources) {
  clear();
  for (const Snapshot* s : sources) resets_.push_back(s->resets);
  measured_.resize(sources.size());
  refreshed_.assign(sources.size(), Clock::time_point{});
  const Snapshot& withTarget = targetOf(in, sources);
  targetVersion_ = withTarget.targetVersion;
  request_ = in.request.compare;
  started_ = true;
  if (withTarget.target)
    samples_.emplace(*withTarget.target, CompareLayer::kFigurePoints, CompareLayer::kFigurePoints,
                     request_.seed, CompareLayer::kBoundPoints);
  starts_ = Points(2, std::max(1, request_.particles));
  Rng rng(request_.seed);  // the particle layer's start points: the same seed
  rng.fillNormal(starts_);
}

CompareJob::Due CompareJob::due(const std::vector<const Snapshot*>& sources) const {
  if (!started_ || !samples_) return {};
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (static_cast<int>(measured_[i].size()) < shownStages(*sources[i]))
      return {static_cast<int>(i), static_cast<int>(measured_[i].size())};
  Due stalest;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const Snapshot& s = *sources[i];
    const auto slot = static_cast<std::size_t>(s.stage);
    if (slot >= measured_[i].size() || measured_[i][slot].version == s.version) continue;
    const Measured& m = measured_[i][slot];
    const bool refresh = m.panel.training && Clock::now() - refreshed_[i] >
                                                 std::chrono::duration<double>(kRefreshSeconds);
    const bool history = isHistorical(s.version) || isHistorical(m.version);
    if (!(history || refresh)) continue;
    if (stalest.source < 0 || refreshed_[i] < refreshed_[static_cast<std::size_t>(stalest.source)])
      stalest = {static_cast<int>(i), s.stage};
  }
  if (stalest.source >= 0) return stalest;
  for (std::size_t i = 0; i < sources.size(); ++i)
    for (std::size_t k = 0; k < measured_[i].size(); ++k)
      if (measured_[i][k].panel.training && static_cast<int>(k) < sources[i]->stage)
        return {static_cast<int>(i), static_cast<int>(k)};
  return {};
}

bool CompareJob::current(const ViewInputs& in) const {
  const auto sources = sourcesOf(in);
  if (!sameInputs(in, sources)) return false;
  for (std::size_t i = 0; i < sources.size(); ++i)
    if (measured_[i].size() > static_cast<std::size_t>(shownStages(*sources[i]))) return false;
  return due(sources).source < 0;
}

void CompareJob::step(const ViewInputs& in, double /*chunkSeconds*/) {
  const auto sources = sourcesOf(in);
  if (!sameInputs(in, sources)) reset(in, sources);
  // Looking back to an earlier stage: the later stages' panels go (they come back when live).
  bool changed = false;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto shown = static_cast<std::size_t>(shownStages(*sources[i]));
    if (measured_[i].size() > shown) {
      measured_[i].resize(shown);
      measured_[i].back().version = 0;  // measure this stage again for the snapshot shown
      changed = true;
    }
  }
  const Due d = due(sources);
  if (d.source >= 0) {
    measure(*sources[static_cast<std::size_t>(d.source)], d.source, d.stage,
            in.request.compare.methods);
    changed = true;
  }
  if (changed) publishLayer();
}

void CompareJob::measure(const Snapshot& source, int sourceIndex, int k, bool named) {
  const TrainerConfig& config = source.model->config;
  const ParamVec& params = stageParams(source, k);
  const auto stage = static_cast<std::size_t>(k);
  ComparePanel panel;
  panel.name = panelName(config, k, named);
  panel.stage = k;
  panel.training = trainingStage(source, k);
  panel.trainingSteps = k == source.stage ? source.step : source.model->stages[stage].stepsTrained;
  panel.stageSteps = config.steps;
  if (stage < source.stageSeconds.size() && source.stageSeconds[stage] > 0.0)
    panel.stepsPerSecond = static_cast<double>(panel.trainingSteps) / source.stageSeconds[stage];
  panel.wallSeconds =
      stage < source.stageEnds.size() ? source.stageEnds[stage] : source.trainingSeconds;
  panel.table = std::make_shared<const ParticleTable>(
      carriedTable(config, params, starts_, std::max(1, request_.knots)));
  const EntryMeasurement m = measureEntry(config, params, *samples_, 1, false);
  panel.figures = m.figures;
  // The crossing paths drawn and counted: of the panel's own first paths.
  if (panel.table->positions.size() > 1)
    panel.crossingPaths = std::make_shared<const std::vector<int>>(crossingColumns(
        panel.table->positions, std::min(panel.table->count(), EntryMeasurement::kCrossingPaths),
        &panel.figures.crossings));
  auto& panels = measured_[static_cast<std::size_t>(sourceIndex)];
  static const Points kNone(2, 0);
  const Points& previous = k > 0 && stage <= panels.size() ? panels[stage - 1].endpoints : kNone;
  const Points ends =
      trainingCouplingEnds(config, k, *samples_, previous, EntryMeasurement::kCrossingPaths);
  if (ends.cols() > 0) {
    const Points starts = samples_->base.leftCols(ends.cols());
    panel.couplingCrossingLines = std::make_shared<const std::vector<int>>(
        crossingColumns({starts, ends}, static_cast<int>(ends.cols()), &panel.couplingCrossings));
    panel.couplingStarts = std::make_shared<const Points>(starts);
    panel.couplingEnds = std::make_shared<const Points>(ends);
  }
  Measured measured{std::move(panel), m.endpoints, source.version};
  if (stage == panels.size())
    panels.push_back(std::move(measured));
  else
    panels[stage] = std::move(measured);
  if (k == source.stage) refreshed_[static_cast<std::size_t>(sourceIndex)] = Clock::now();
}

void CompareJob::publishLayer() {
  if (!started_ || !samples_) return;
  auto layer = std::make_shared<CompareLayer>();
  for (const auto& panels : measured_)
    for (const Measured& m : panels) layer->panels.push_back(m.panel);
  layer->otLowerBound = samples_->otLowerBound;
  layer->otBoundError = samples_->otBoundError;
  layer->w2Floor = samples_->w2Floor;
  layer->n = CompareLayer::kFigurePoints;
  layer->boundN = samples_->boundN;
  done_ = std::move(layer);
}

}  // namespace flowlab::core
