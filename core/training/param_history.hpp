// The training history for scrubbing back: copies of the parameters at log-spaced training steps
// of every stage (more of them early, when the model changes fastest), at most `capacity` per
// stage. An offered step is kept when it is at least `growth` times the last kept one (and one
// step past it); when a stage holds more than `capacity`, every other older entry goes (the first
// and the newest stay) and the growth squares, so the spacing stays even in log(step) and the
// memory bounded. GL-free; one owner thread (the trainer's); entries are immutable and shared.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

struct HistoryEntry {
  int stage = 0;        // 0-based
  long step = 0;        // steps trained in that stage
  long totalSteps = 0;  // over all stages
  std::shared_ptr<const ParamVec> params;
};

class ParamHistory {
 public:
  explicit ParamHistory(std::size_t capacityPerStage = 48, double growth = 1.1);

  // Whether offering (stage, step) would keep it (so a caller copies parameters only then).
  bool due(int stage, long step) const;
  // Keeps a copy of `params` at (stage, step) when due; returns whether it did.
  bool offer(int stage, long step, long totalSteps, const ParamVec& params);
  // Every kept entry, by stage then step.
  const std::vector<HistoryEntry>& entries() const { return entries_; }
  // The kept entry of `stage` at the largest step ≤ `step`; null when there is none.
  const HistoryEntry* at(int stage, long step) const;
  std::size_t size() const { return entries_.size(); }
  void clear();

  // The spacing reached in each stage (it grows as entries are thinned), to save with the
  // entries; restore() puts both back (entries by stage then step, each with parameters).
  const std::vector<double>& growth() const { return growth_; }
  void restore(std::vector<HistoryEntry> entries, std::vector<double> growth);

 private:
  void thin(int stage);

  std::size_t capacity_;
  double baseGrowth_;
  std::vector<HistoryEntry> entries_;
  std::vector<double> growth_;  // per stage, squared at each thinning
};

}  // namespace flowlab::core
