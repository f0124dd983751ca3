// Measuring one entry of a comparison (see entry_figures.hpp).
#include "core/compare/entry_figures.hpp"

#include <algorithm>
#include <cmath>

#include "core/base/rng.hpp"
#include "core/compare/crossings.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/metrics.hpp"
#include "core/eval/ot_lower_bound.hpp"
#include "core/objectives/ot.hpp"
#include "core/ode/solver_run.hpp"

namespace flowlab::core {
namespace {

double w2OrInfinity(const Points& x, const Points& reference) {
  return x.allFinite() ? w2Exact(x, reference) : std::numeric_limits<double>::infinity();
}

}  // namespace

ComparisonSamples::ComparisonSamples(const Target& t, long n, long nllN, std::uint64_t seed,
                                     long boundPoints)
    : base(2, n), target(2, n), floorTarget(2, n), heldOut(2, nllN), boundN(n) {
  const Rng rng(seed);
  Rng baseRng = rng.split(11), targetRng = rng.split(12), floorRng = rng.split(13),
      heldRng = rng.split(14);
  baseRng.fillNormal(base);
  t.sample(target, targetRng);
  t.sample(floorTarget, floorRng);
  t.sample(heldOut, heldRng);
  w2Floor = w2Exact(target, floorTarget);
  boundN = std::max(n, boundPoints);
  const OtLowerBound bound = core::otLowerBound(t, boundN, kBoundTestPoints, rng.split(15));
  otLowerBound = bound.value;
  otBoundError = bound.standardError;
}

Points trainingCouplingEnds(const TrainerConfig& config, int stage,
                            const ComparisonSamples& samples, const Points& previousEnds,
                            int count) {
  const bool independent = config.method == Method::FlowMatching ||
                           (config.method == Method::RectifiedFlow && stage == 0);
  const Eigen::Index n = std::min<Eigen::Index>(count, samples.base.cols());
  if (independent) return samples.target.leftCols(n);
  if (config.method == Method::RectifiedFlow)
    return previousEnds.leftCols(std::min<Eigen::Index>(n, previousEnds.cols()));
  if (config.method != Method::OtCfm) return Points(2, 0);
  const Eigen::Index b = std::min<Eigen::Index>(config.batch, samples.base.cols());
  std::vector<int> toTarget;
  AssignmentSolver().solveSquaredDistances(samples.base.leftCols(b), samples.target.leftCols(b),
                                           toTarget);
  Points ends(2, std::min(b, n));
  for (Eigen::Index i = 0; i < ends.cols(); ++i)
    ends.col(i) = samples.target.col(toTarget[std::size_t(i)]);
  return ends;
}

long couplingCrossings(const Points& base, const Points& ends) {
  const int count = static_cast<int>(std::min<Eigen::Index>(
      {base.cols(), ends.cols(), Eigen::Index{EntryMeasurement::kCrossingPaths}}));
  long total = 0;
  crossingPairs({base, ends}, count, 0, &total);
  return total;
}

EntryMeasurement measureEntry(const TrainerConfig& config, const ParamVec& params,
                              const ComparisonSamples& samples, int threads, bool withPaths) {
  EntryMeasurement m;
  EntryFigures& f = m.figures;
  m.endpoints = samples.base;
  const bool continuous = isContinuous(config.method);
  if (continuous) {
    // One RK4-100 solve gives the endpoints and the path integrals.
    FlowEvaluator flow(config, params);
    f.straightness =
        pathMetrics(flow.velocityFn(), samples.base, kReferenceSampling, &m.endpoints).straightness;
    f.nfe = long(kReferenceSampling.steps) * stagesPerStep(kReferenceSampling.solver);
    Points euler = samples.base;
    sampleFlow(config, params, euler, SolverConfig::euler(1), threads);
    f.w2Euler1 = w2OrInfinity(euler, samples.target);
    if (withPaths) {
      const int drawn = static_cast<int>(
          std::min<Eigen::Index>(samples.base.cols(), EntryMeasurement::kPathPoints));
      m.paths = runSolver(flow.velocityFn(), samples.base.leftCols(drawn), 0.0, 1.0,
                          SolverConfig::rk4(EntryMeasurement::kPathSteps), 0)
                    .states;
      crossingPairs(m.paths, std::min(drawn, EntryMeasurement::kCrossingPaths), 0, &f.crossings);
    }
  } else {
    sampleFlow(config, params, m.endpoints, kReferenceSampling, threads);
    f.nfe = 1;  // one pass of the couplings
  }
  f.w2Rk4 = w2OrInfinity(m.endpoints, samples.target);
  f.transportCost = (m.endpoints - samples.base).colwise().squaredNorm().cast<double>().mean();
  if (m.endpoints.allFinite()) f.endpointOtCost = std::pow(w2Exact(samples.base, m.endpoints), 2);
  PointRow logp;
  flowLogDensity(config, params, samples.heldOut, kFineLogDensity, threads, logp);
  f.nll = meanNll(logp);
  return m;
}

}  // namespace flowlab::core
