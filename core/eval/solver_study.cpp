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

SolverStudy solverStudy(const TrainerConfig& config, const ParamVec& params, const Target& target,
                        const SolverStudyOptions& options) {
  validate(config, options);
  const Rng rng(options.seed);
  Rng baseRng = rng.split(1), targetRng = rng.split(2), floorRng = rng.split(3);
  Points x0(2, options.n), data(2, options.n), data2(2, options.n);
  baseRng.fillNormal(x0);
  target.sample(data, targetRng);
  target.sample(data2, floorRng);

  SolverStudy study;
  study.w2Floor = w2Exact(data, data2);
  Points reference = x0;
  const SolverConfig fine =
      SolverConfig::dopri5(options.referenceTolerance, options.referenceTolerance);
  study.referenceNfe = sampleFlow(config, params, reference, fine, options.threads).nfe;
  study.referenceW2 = w2Exact(reference, data);

  std::vector<int> steps = options.steps;
  std::sort(steps.begin(), steps.end());
  for (Solver s : options.solvers) {
    std::vector<double> errors;
    for (int n : steps) {
      SolverStudyRow row;
      row.solver = s;
      row.steps = n;
      Points x = x0;
      row.nfe = sampleFlow(config, params, x, SolverConfig::fixed(s, n), options.threads).nfe;
      row.w2 = x.allFinite() ? w2Exact(x, data) : std::numeric_limits<double>::infinity();
      row.error = pointErrors(x, reference);
      errors.push_back(row.error.mean);
      study.rows.push_back(row);
    }
    study.orders.push_back({s, fittedOrder(steps, errors)});
  }
  return study;
}

}  // namespace flowlab::core
