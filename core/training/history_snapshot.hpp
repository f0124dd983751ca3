// Looking back through training: a snapshot of the model as it was at a kept history entry —
// the stages up to the entry's, the entry's parameters for it, its step — which the view worker
// computes every layer from exactly as from a live snapshot. GL-free; any thread (the result is
// immutable).
#pragma once

#include <memory>

#include "core/training/snapshot.hpp"

namespace flowlab::core {

// Versions of historical snapshots: kHistoryVersions + the entry's total steps, apart from the
// trainer's (which count publications from 1), so a layer computed from one is never taken for
// the other's.
constexpr std::uint64_t kHistoryVersions = std::uint64_t{1} << 62;

// Whether a snapshot version is a historical one.
constexpr bool isHistorical(std::uint64_t version) { return version >= kHistoryVersions; }

// `live` with its model as of `entry` (one of live.history). Status Paused, message "history".
std::shared_ptr<const Snapshot> historicalSnapshot(const Snapshot& live, const HistoryEntry& entry);

}  // namespace flowlab::core
