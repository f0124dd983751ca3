// Pieces shared by the CLI subcommands: option groups (solver, target, network), loading a
// model stage, and progress output. Caller's thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/cli/args.hpp"
#include "core/model/model.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core::cli {

// --solver NAME --solver-steps K --rtol R --atol A (the same meaning in every subcommand).
std::vector<OptionSpec> solverOptions();
SolverConfig solverFrom(const Args& args, const SolverConfig& fallback);

// --target NAME | --target-image FILE [--image-box x0 y0 x1 y1] [--invert]
// | --target-points FILE.csv|FILE.npy [--bandwidth H] (a kernel density estimate; Scott's rule)
std::vector<OptionSpec> targetOptions();
// Returns nullptr when neither option is given and `required` is false.
std::shared_ptr<const Target> targetFrom(const Args& args, bool required);
// The spelling used to record a target in a model file.
std::string targetLabel(const Args& args);

// Positional MODEL path + --stage k (stageFrom): the model and the 0-based index of the stage.
struct LoadedStage {
  Model model;
  int stage = 0;
  const ParamVec& params() const { return model.stages[static_cast<std::size_t>(stage)].params; }
};
LoadedStage loadStage(const Args& args);

// --stage k of a model with `count` stages, numbered from 1 as everywhere for people (train's
// progress, the app, eval's table); negative k counts from the end (-1: the last). Returns the
// 0-based index, or `fallback` when --stage is absent. Throws UsageError for 0 or out of range.
int stageFrom(const Args& args, int count, int fallback);

// Rejects stray positional words.
void expectPositional(const Args& args, std::size_t count, const std::string& what);

// Whether two paths name one file (an output must never replace an input).
bool sameFile(const std::string& a, const std::string& b);
// Throws UsageError when `output` (the value of `option`) names a file the command line reads:
// a positional word (MODEL) or the value of --in, --target-image, --target-points or
// --target-session. (train --resume S --out S continues S in place, written atomically.)
void refuseOverwritingInputs(const Args& args, const std::string& option,
                             const std::string& output);
// 42s, 3m05s, 1h07m; "?" when not finite or negative.
std::string formatSeconds(double seconds);

// Number of worker threads: --threads T, default all hardware threads.
int threadsFrom(const Args& args, int fallback);

// The subcommands (each returns the process exit code; errors propagate as exceptions).
int runTargets(int argc, char** argv);
int runTrain(int argc, char** argv);
int runSample(int argc, char** argv);
int runLogp(int argc, char** argv);
int runEval(int argc, char** argv);
int runDensity(int argc, char** argv);
int runBench(int argc, char** argv);
int runSolvers(int argc, char** argv);
int runCompare(int argc, char** argv);
int runRender(int argc, char** argv);

}  // namespace flowlab::core::cli
