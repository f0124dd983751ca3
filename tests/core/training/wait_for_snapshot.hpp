// Waiting on a trainer's publications in tests: the first snapshot that satisfies a predicate.
#pragma once

#include <chrono>
#include <memory>

#include "core/training/trainer.hpp"

namespace flowlab::test {

// The first snapshot satisfying pred, waiting on the trainer's publications (no polling); the
// newest one when the limit passes first.
template <typename Pred>
std::shared_ptr<const core::Snapshot> waitFor(
    const core::Trainer& trainer, Pred pred,
    std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  auto snap = trainer.snapshot();
  while (!pred(*snap) && std::chrono::steady_clock::now() < until)
    snap = trainer.waitForNewer(snap->version, std::chrono::milliseconds(100));
  return snap;
}

}  // namespace flowlab::test
