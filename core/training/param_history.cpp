// The training history (see param_history.hpp).
#include "core/training/param_history.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace flowlab::core {

ParamHistory::ParamHistory(std::size_t capacityPerStage, double growth)
    : capacity_(std::max<std::size_t>(capacityPerStage, 3)), baseGrowth_(growth) {
  if (!(growth > 1.0)) throw std::invalid_argument("history: growth must be > 1");
}

bool ParamHistory::due(int stage, long step) const {
  if (stage < 0 || step < 0) return false;
  const HistoryEntry* last = nullptr;
  for (const HistoryEntry& e : entries_)
    if (e.stage == stage) last = &e;
  if (!last) return true;
  if (step <= last->step) return false;
  const double g = static_cast<std::size_t>(stage) < growth_.size() ? growth_[stage] : baseGrowth_;
  return static_cast<double>(step) >= g * static_cast<double>(std::max(last->step, 1L));
}

bool ParamHistory::offer(int stage, long step, long totalSteps, const ParamVec& params) {
  if (!due(stage, step)) return false;
  if (growth_.size() <= static_cast<std::size_t>(stage))
    growth_.resize(static_cast<std::size_t>(stage) + 1, baseGrowth_);
  HistoryEntry e{stage, step, totalSteps, std::make_shared<const ParamVec>(params)};
  const auto after = std::upper_bound(
      entries_.begin(), entries_.end(), e, [](const HistoryEntry& a, const HistoryEntry& b) {
        return a.stage != b.stage ? a.stage < b.stage : a.step < b.step;
      });
  entries_.insert(after, std::move(e));
  const auto count = static_cast<std::size_t>(std::count_if(
      entries_.begin(), entries_.end(), [&](const HistoryEntry& x) { return x.stage == stage; }));
  if (count > capacity_) thin(stage);
  return true;
}

void ParamHistory::thin(int stage) {
  std::vector<HistoryEntry> kept;
  kept.reserve(entries_.size());
  int index = 0;
  const long newest = at(stage, std::numeric_limits<long>::max())->step;
  for (HistoryEntry& e : entries_) {
    if (e.stage != stage) {
      kept.push_back(std::move(e));
      continue;
    }
    // Keep the first, every other one after it, and the newest.
    if (index % 2 == 0 || e.step == newest) kept.push_back(std::move(e));
    ++index;
  }
  entries_ = std::move(kept);
  growth_[static_cast<std::size_t>(stage)] *= growth_[static_cast<std::size_t>(stage)];
}

const HistoryEntry* ParamHistory::at(int stage, long step) const {
  const HistoryEntry* best = nullptr;
  for (const HistoryEntry& e : entries_)
    if (e.stage == stage && e.step <= step) best = &e;
  return best;
}

void ParamHistory::restore(std::vector<HistoryEntry> entries, std::vector<double> growth) {
  for (const HistoryEntry& e : entries)
    if (e.stage < 0 || e.step < 0 || !e.params)
      throw std::invalid_argument("history: an entry without a stage, step or parameters");
  for (double& g : growth) g = std::max(g, baseGrowth_);
  int stages = 0;
  for (const HistoryEntry& e : entries) stages = std::max(stages, e.stage + 1);
  growth.resize(std::max(growth.size(), std::size_t(stages)), baseGrowth_);
  entries_ = std::move(entries);
  growth_ = std::move(growth);
}

void ParamHistory::clear() {
  entries_.clear();
  growth_.clear();
}

}  // namespace flowlab::core
