// Recording a solve step by step (see solver_run.hpp).
#include "core/ode/solver_run.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/base/standard_normal.hpp"

namespace flowlab::core {
namespace {

// The stages of every recorded step, replayed on the first `count` points of each state.
void recordStages(const VelocityFn& field, SolverRun& run, int count) {
  if (count < 0 || (!run.states.empty() && count > run.states[0].cols()))
    throw std::invalid_argument("solver run: recordStages must be in [0, N]");
  run.stages.clear();
  if (count == 0) return;
  run.stages.reserve(run.times.size());
  for (std::size_t k = 0; k + 1 < run.times.size(); ++k) {
    const Points x = run.states[k].leftCols(count);
    run.stages.push_back(
        stepStages(field, run.config.solver, x, run.times[k], run.times[k + 1] - run.times[k]));
  }
}

// Every accepted step (Dopri5) or every fixed step.
Trajectory everyStep() {
  Trajectory t;
  t.samples = 0;
  return t;
}

// The run's record of a solve that kept every step in `trajectory`.
SolverRun recorded(const SolverConfig& config, const IntegrationStats& stats,
                   Trajectory& trajectory) {
  SolverRun run;
  run.config = config;
  run.stats = stats;
  run.times = std::move(trajectory.times);
  run.states = std::move(trajectory.states);
  run.ledger = std::move(trajectory.logDensities);
  return run;
}

}  // namespace

SolverRun runSolver(const VelocityFn& field, const Points& x0, double t0, double t1,
                    const SolverConfig& config, int recordStageCount) {
  Trajectory trajectory = everyStep();
  Points x = x0;
  const IntegrationStats stats = integrate(field, x, t0, t1, config, &trajectory);
  SolverRun run = recorded(config, stats, trajectory);
  recordStages(field, run, recordStageCount);
  return run;
}

SolverRun runSolverWithLedger(const VelocityDivFn& field, const Points& x0, double t0, double t1,
                              const SolverConfig& config, int recordStageCount) {
  Trajectory trajectory = everyStep();
  Points x = x0;
  PointRow ledger = PointRow::Zero(x0.cols());
  const IntegrationStats stats =
      integrateWithLogDensity(field, x, ledger, t0, t1, config, &trajectory);
  SolverRun run = recorded(config, stats, trajectory);
  PointRow div;
  const VelocityFn velocity = [&field, &div](const Points& p, double t, Points& v) {
    div.resize(p.cols());
    field(p, t, v, div);
  };
  recordStages(velocity, run, recordStageCount);
  return run;
}

PointRow ledgerLogDensity(const SolverRun& run) {
  if (run.ledger.empty() || run.times.empty() || run.times.back() != 0.0)
    throw std::invalid_argument("ledger: the run must carry the ledger and end at t = 0");
  PointRow logp;
  standardNormalLogDensity(run.states.back(), logp);
  logp -= run.ledger.back();
  return logp;
}

LedgerReading readLedger(const SolverRun& run, int particle, int step) {
  if (run.ledger.empty() || run.times.empty() || run.times.back() != 0.0)
    throw std::invalid_argument("ledger: the run must carry the ledger and end at t = 0");
  const int steps = static_cast<int>(run.times.size()) - 1;
  if (particle < 0 || particle >= run.states.back().cols() || step < 0 || step > steps)
    throw std::invalid_argument("ledger: no such particle or step");
  PointRow logN;
  standardNormalLogDensity(run.states.back().col(particle), logN);
  LedgerReading r;
  r.t = run.times[static_cast<std::size_t>(step)];
  r.soFar = run.ledger[static_cast<std::size_t>(step)](particle);
  r.total = run.ledger.back()(particle);
  r.logNormal = logN(0);
  r.logDensity = r.logNormal - r.total;
  return r;
}

StepStages stepStages(const VelocityFn& field, Solver solver, const Points& x, double t, double h) {
  const ButcherTableau& T = butcherTableau(solver);
  StepStages s;
  s.t = t;
  s.h = h;
  s.times.resize(static_cast<std::size_t>(T.stages));
  s.points.resize(static_cast<std::size_t>(T.stages));
  s.velocities.resize(static_cast<std::size_t>(T.stages));
  for (int i = 0; i < T.stages; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    Points& xi = s.points[ui];
    xi = x;
    for (int j = 0; j < i; ++j)
      if (T.a[i][j] != 0.0)
        xi += static_cast<float>(h * T.a[i][j]) * s.velocities[static_cast<std::size_t>(j)];
    s.times[ui] = t + T.c[i] * h;
    s.velocities[ui].resize(2, x.cols());
    field(xi, s.times[ui], s.velocities[ui]);
  }
  return s;
}

std::vector<Points> referenceStates(const VelocityFn& field, const Points& x0,
                                    const std::vector<double>& times, double tolerance) {
  std::vector<Points> out;
  if (times.empty()) return out;
  out.reserve(times.size());
  Points x = x0;
  out.push_back(x);
  const SolverConfig fine = SolverConfig::dopri5(tolerance, tolerance);
  for (std::size_t k = 1; k < times.size(); ++k) {
    integrate(field, x, times[k - 1], times[k], fine);
    out.push_back(x);
  }
  return out;
}

PointErrors pointErrors(const Points& a, const Points& b) {
  if (a.cols() != b.cols() || a.rows() != b.rows())
    throw std::invalid_argument("pointErrors: the point sets differ in shape");
  PointErrors e;
  if (a.cols() == 0) return e;
  double sum = 0.0;
  for (Eigen::Index i = 0; i < a.cols(); ++i) {
    const double dx = double(a(0, i)) - double(b(0, i)), dy = double(a(1, i)) - double(b(1, i));
    const double d = std::sqrt(dx * dx + dy * dy);
    sum += d;
    e.max = std::max(e.max, d);
  }
  e.mean = sum / double(a.cols());
  return e;
}

double fittedOrder(const std::vector<int>& steps, const std::vector<double>& errors, double floor) {
  if (steps.size() != errors.size())
    throw std::invalid_argument("fittedOrder: steps and errors differ in length");
  std::vector<double> lx, ly;
  for (std::size_t i = steps.size(); i-- > 0 && lx.size() < 3;) {
    if (!(errors[i] > floor) || !std::isfinite(errors[i]) || steps[i] < 1) continue;
    lx.push_back(std::log(double(steps[i])));
    ly.push_back(-std::log(errors[i]));
  }
  if (lx.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    mx += lx[i];
    my += ly[i];
  }
  mx /= double(lx.size());
  my /= double(lx.size());
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < lx.size(); ++i) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) * (lx[i] - mx);
  }
  return sxx > 0.0 ? sxy / sxx : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace flowlab::core
