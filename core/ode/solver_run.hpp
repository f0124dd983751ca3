// One integration recorded solver step by solver step, for looking at what a solver does: the
// state of every point after every step, the stage points and stage velocities of each step for
// the first few points, the log-density ledger (the instantaneous change of variables summed
// step by step), and a fine reference solution at the same times to measure the error against.
//
// A solver step of an explicit Runge–Kutta method (butcherTableau) from x_n at t_n with step h
// evaluates k_i = v(X_i, t_n + c_i·h) at the stage points X_i = x_n + h·Σ_{j<i} a_ij·k_j and moves
// to x_{n+1} = x_n + h·Σ_i b_i·k_i. Euler has one stage, midpoint and Heun two, RK4 four, Dopri5
// seven (its 7th stage is v at x_{n+1}, reused as the next step's k_1).
//
// GL-free. A call runs on the caller's thread; the field callables must be usable from it.
#pragma once

#include <vector>

#include "core/base/types.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

// The stages of one step for the recorded points: stage i at time times[i], its points
// points[i] (X_i, 2×M) and velocities velocities[i] (k_i, 2×M).
struct StepStages {
  double t = 0.0, h = 0.0;  // the step goes from t to t + h
  std::vector<double> times;
  std::vector<Points> points, velocities;
};

// A recorded solve from t0 to t1 (forward or backward in time).
struct SolverRun {
  SolverConfig config;
  std::vector<double> times;   // t_0 = t0, …, t_n = t1: fixed-step solvers' uniform steps, or
                               // Dopri5's accepted steps
  std::vector<Points> states;  // x_k at times[k], 2×N each
  // With a divergence field: ℓ_k = −∫_{t0}^{t_k} div v(x_s, s) ds along each path (1×N each,
  // ℓ_0 = 0), integrated by the same solver alongside x. Empty otherwise.
  std::vector<PointRow> ledger;
  std::vector<StepStages> stages;  // one per step, for the first `recordStages` points
  IntegrationStats stats;          // of the solve of all N points
};

// Integrates x0 (2×N) from t0 to t1 with `config`, keeping every step. The stages of each step
// are replayed on the first recordStages points (0 ≤ recordStages ≤ N) from their recorded state
// with the same step, so they show what the solver evaluated (up to float rounding in the last
// bits). Throws as integrate() does.
SolverRun runSolver(const VelocityFn& field, const Points& x0, double t0, double t1,
                    const SolverConfig& config, int recordStages);
// The same, also carrying the ledger ℓ by the instantaneous change of variables
// (dℓ/dt = −div v; Chen et al. 2018). `field` gives v and div v.
SolverRun runSolverWithLedger(const VelocityDivFn& field, const Points& x0, double t0, double t1,
                              const SolverConfig& config, int recordStages);

// The ledger's arithmetic for a run that ends at t = 0 (the normalising direction, from t0 to 0):
// log p_{t0}(x) = log N(z; 0, I) − ℓ_end, z the end state — the model's log density at the start
// points, as the instantaneous change of variables gives it. Throws std::invalid_argument when the
// run has no ledger or does not end at t = 0.
PointRow ledgerLogDensity(const SolverRun& run);

// The same arithmetic for one point after `step` steps, as the solver lab shows it:
// log p_{t0}(x) = log N(z) − ℓ_end, with ℓ so far (ℓ_step) beside it. Throws
// std::invalid_argument as ledgerLogDensity does, or when particle or step is out of range.
struct LedgerReading {
  double t = 0.0;           // the time after `step` steps
  double soFar = 0.0;       // ℓ_step = ∫_{t}^{t0} div v ds along the path (t0 = 1: ∫_t^1)
  double total = 0.0;       // ℓ_end, the whole integral
  double logNormal = 0.0;   // log N(z; 0, I) at the end state z
  double logDensity = 0.0;  // log N(z) − ℓ_end
};
LedgerReading readLedger(const SolverRun& run, int particle, int step);

// The stages of one tableau step of `solver` from x at t with step h (x: 2×M).
StepStages stepStages(const VelocityFn& field, Solver solver, const Points& x, double t, double h);

// The states at `times` (increasing or decreasing, times[0] the time of x0) of a fine solve:
// Dopri5 at rtol = atol = tolerance from each time to the next (restarted at every time, so no
// interpolation error). Throws as integrate() does.
std::vector<Points> referenceStates(const VelocityFn& field, const Points& x0,
                                    const std::vector<double>& times, double tolerance = 1e-7);

// The distance ‖a_i − b_i‖ between corresponding points, summarised.
struct PointErrors {
  double mean = 0.0, max = 0.0;
};
PointErrors pointErrors(const Points& a, const Points& b);

// Below this mean error (in the units of x) float rounding of the field (and of the reference)
// dominates the discretisation error, so such points do not enter the order fit.
constexpr double kOrderFitFloor = 1e-6;

// The order p of error ≈ C·N^−p: the least-squares slope of −log(error) against log(N) over the
// (at most) three largest N whose error is above `floor` — the asymptotic end of the curve.
// NaN when fewer than two points qualify. steps and errors: the same length, N increasing.
double fittedOrder(const std::vector<int>& steps, const std::vector<double>& errors,
                   double floor = kOrderFitFloor);

}  // namespace flowlab::core
