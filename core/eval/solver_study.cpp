// The solver study (see solver_study.hpp).
#include "core/eval/solver_study.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/base/rng.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/metrics.hpp"

namespace flowlab::core {
namespace {

void validate(const TrainerConfig& config, const SolverStudyOptions& o) {
  if (!isContinuous(config.method))
    throw std::invalid_argument("this model has no velocity field (RealNVP maps in one step)");
  if (o.solvers.empty()) throw std::invalid_argument("solver study: no solvers");
  if (o.steps.empty()) throw std::invalid_argument("solver study: no step counts");
  for (Solver s : o.solvers)
    if (isAdaptive(s))
      throw std::invalid_argument("solver study: " + std::string(solverName(s)) +
                                  " is adaptive; the study compares fixed-step solvers");
  for (int n : o.steps)
    if (n < 1) throw std::invalid_argument("solver study: step counts must be >= 1");
  if (o.n < 2) throw std::invalid_argument("solver study: n must be >= 2");
}

}  // namespace

SolverStudyBuilder::SolverStudyBuilder(const TrainerConfig& config, ParamVec params,
                                       std::shared_ptr<const Target> target,
                                       SolverStudyOptions options)
    : config_(config),
      params_(std::move(params)),
      target_(std::move(target)),
      options_(std::move(options)) {
  validate(config_, options_);
  if (!target_) throw std::invalid_argument("solver study: no target");
  std::sort(options_.steps.begin(), options_.steps.end());
}

int SolverStudyBuilder::pieces() const {
  return 1 + static_cast<int>(options_.solvers.size() * options_.steps.size());
}

void SolverStudyBuilder::nextPiece() {
  if (next_ >= pieces()) return;
  if (next_ == 0) {
    const Rng rng(options_.seed);
    Rng baseRng = rng.split(1), targetRng = rng.split(2), floorRng = rng.split(3);
    x0_.resize(2, options_.n);
    data_.resize(2, options_.n);
    Points data2(2, options_.n);
    baseRng.fillNormal(x0_);
    target_->sample(data_, targetRng);
    target_->sample(data2, floorRng);
    study_.w2Floor = w2Exact(data_, data2);
    reference_ = x0_;
    const SolverConfig fine =
        SolverConfig::dopri5(options_.referenceTolerance, options_.referenceTolerance);
    study_.referenceNfe = sampleFlow(config_, params_, reference_, fine, options_.threads).nfe;
    study_.referenceW2 = w2Exact(reference_, data_);
  } else {
    const std::size_t r = static_cast<std::size_t>(next_ - 1);
    SolverStudyRow row;
    row.solver = options_.solvers[r / options_.steps.size()];
    row.steps = options_.steps[r % options_.steps.size()];
    Points x = x0_;
    row.nfe = sampleFlow(config_, params_, x, SolverConfig::fixed(row.solver, row.steps),
                         options_.threads)
                  .nfe;
    row.w2 = x.allFinite() ? w2Exact(x, data_) : std::numeric_limits<double>::infinity();
    row.error = pointErrors(x, reference_);
    study_.rows.push_back(row);
  }
  ++next_;
}

SolverStudy SolverStudyBuilder::take() {
  study_.orders.clear();
  for (Solver s : options_.solvers) {
    std::vector<int> steps;
    std::vector<double> errors;
    for (const SolverStudyRow& row : study_.rows) {
      if (row.solver != s) continue;
      steps.push_back(row.steps);
      errors.push_back(row.error.mean);
    }
    study_.orders.push_back({s, fittedOrder(steps, errors)});
  }
  return std::move(study_);
}

SolverStudy solverStudy(const TrainerConfig& config, const ParamVec& params, const Target& target,
                        const SolverStudyOptions& options) {
  // The target outlives the call: borrow it without owning it.
  SolverStudyBuilder builder(config, params,
                             std::shared_ptr<const Target>(&target, [](const Target*) {}), options);
  while (builder.done() < builder.pieces()) builder.nextPiece();
  return builder.take();
}

}  // namespace flowlab::core
