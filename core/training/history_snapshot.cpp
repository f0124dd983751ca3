// A snapshot as of a history entry (see history_snapshot.hpp).
#include "core/training/history_snapshot.hpp"

#include <stdexcept>

namespace flowlab::core {

std::shared_ptr<const Snapshot> historicalSnapshot(const Snapshot& live,
                                                   const HistoryEntry& entry) {
  if (!live.model || !entry.params || entry.stage >= static_cast<int>(live.model->stages.size()))
    throw std::invalid_argument("history: the entry is not of this model");
  auto snap = std::make_shared<Snapshot>(live);
  auto model = std::make_shared<Model>(*live.model);
  model->stages.resize(static_cast<std::size_t>(entry.stage) + 1);
  Stage& stage = model->stages.back();
  stage.params = *entry.params;
  stage.stepsTrained = entry.step;
  snap->model = std::move(model);
  snap->version = kHistoryVersions + static_cast<std::uint64_t>(entry.totalSteps);
  snap->stage = entry.stage;
  snap->step = entry.step;
  snap->totalSteps = entry.totalSteps;
  snap->status = TrainerStatus::Paused;
  snap->message = "history";
  return snap;
}

}  // namespace flowlab::core
