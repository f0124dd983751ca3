// A whole comparison, trained and measured: K reflow rounds of one rectified flow (a row per
// round), or several methods from the same seed (a row per method; rf a row per round). Every
// row is measured on the same ComparisonSamples. Synchronous, on the caller's thread (each
// training step uses config.threads); progress is reported through a callback, which may stop
// the run. The app trains its entries on trainer threads and reuses measureEntry.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/compare/entry_figures.hpp"

namespace flowlab::core {

struct ComparisonPlan {
  // Steps per stage, seed, threads, and the network for every entry; the method and its tuned
  // settings come from defaultConfig(method) (reflow: rf's).
  long steps = 0;  // 0: each method's default
  std::uint64_t seed = 0;
  int threads = 1;
  int reflow = -1;              // ≥ 0: one rectified flow with this many reflow rounds
  std::vector<Method> methods;  // else: these methods (rf with one reflow round)
  int reflowPairs = 0;          // 0: rf's default
  long n = 2000;                // base points and target sample per figure
  long nllN = 2000;             // held-out points for the NLL
};

// One row: a method, or one round of a rectified flow.
struct ComparisonRow {
  std::string name;  // "1-RF", "2-RF", …; a method's name; "rf 1-RF", … among methods
  long trainingSteps = 0;
  double stepsPerSecond = 0.0;
  double wallSeconds = 0.0;  // from the start of this entry's training to the end of this row's
                             // (a later reflow round includes the earlier ones and their pairs)
  EntryMeasurement measured;
  long couplingCrossings = -1;  // of the pairs it trained on (−1: no coupling — cnf, rkl, realnvp)
  // x1 of those pairs for the first kCouplingLines base points (2×m; empty: no coupling).
  Points couplingEnds;
  static constexpr int kCouplingLines = EntryMeasurement::kCrossingPaths;
};

struct Comparison {
  std::vector<ComparisonRow> rows;
  double otLowerBound = 0.0, otBoundError = 0.0, w2Floor = 0.0;
  long n = 0;
  Points base;    // the base points every row carried (2×n)
  Points target;  // the target sample W2 is measured against (2×n)
};

// What the run is doing, for a progress line.
struct ComparisonStatus {
  int row = 0, rows = 0;     // the row being trained (0-based) of all (rf: a row per stage)
  std::string name;          // its name (the row being trained)
  long step = 0, steps = 0;  // in the current stage
  double seconds = 0.0;      // wall time of the current stage so far
  const char* phase = "";    // "training", "reflow pairs", "measuring"
  double fraction = 0.0;     // of the phase (reflow pairs)
};
// Return false to stop: runComparison then throws std::runtime_error("stopped").
using ComparisonProgress = std::function<bool(const ComparisonStatus&)>;

// Throws std::invalid_argument for an empty plan or an invalid config, std::runtime_error when
// training diverges (the loss is not finite after 20 restores).
Comparison runComparison(const ComparisonPlan& plan, std::shared_ptr<const Target> target,
                         const ComparisonProgress& progress = {});

// The config of one entry of `plan` (defaultConfig of the method with the plan's settings).
TrainerConfig entryConfig(const ComparisonPlan& plan, Method method);

}  // namespace flowlab::core
