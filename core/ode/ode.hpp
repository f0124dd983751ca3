// Folder ode/: integrating dx/dt = v(x, t) on point batches (fixed-step and adaptive solvers
// sharing one step control) and the CNF's augmented solve with its exact or estimated trace and
// its adjoint.
//
// ODE solvers for dx/dt = v(x, t) on batches of 2-D points: Euler, midpoint, Heun, RK4 and
// adaptive Dormand–Prince 5(4) with dense output; forward (t0 < t1) or backward (t0 > t1) in time;
// optionally carrying log-density by the instantaneous change of variables.
//
// A field is a callable; it must write v for every column of x and must not resize anything.
// Solvers allocate their stage buffers once per call (never per step) and count every field
// evaluation (NFE). Thread affinity: a call runs on the caller's thread; the field callable must
// be usable from it (give each thread its own evaluator).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

// v = field(x, t). x: 2×N, v: 2×N, already sized 2×N by the solver.
using VelocityFn = std::function<void(const Points& x, double t, Points& v)>;
// v and div = tr(∂v/∂x): v 2×N, div 1×N, already sized by the solver.
using VelocityDivFn = std::function<void(const Points& x, double t, Points& v, PointRow& div)>;

enum class Solver { Euler, Midpoint, Heun, RK4, Dopri5 };

std::string_view solverName(Solver s);  // "euler", "midpoint", "heun", "rk4", "dopri5"
std::optional<Solver> parseSolver(std::string_view name);  // nullopt when unknown
int stagesPerStep(Solver s);  // field evaluations per fixed step (Dopri5: 6, FSAL)
bool isAdaptive(Solver s);

struct SolverConfig {
  Solver solver = Solver::RK4;
  int steps = 100;        // fixed-step solvers: number of uniform steps over [t0, t1]
  double rtol = 1e-5;     // Dopri5 only
  double atol = 1e-5;     // Dopri5 only
  int maxSteps = 100000;  // Dopri5: give up (throws std::runtime_error) beyond this many attempts
  bool operator==(const SolverConfig&) const = default;

  // A fixed-step solver taking `steps` uniform steps over [t0, t1].
  static constexpr SolverConfig fixed(Solver solver, int steps) {
    return SolverConfig{solver, steps, 1e-5, 1e-5, 100000};
  }
  static constexpr SolverConfig rk4(int steps) { return fixed(Solver::RK4, steps); }
  static constexpr SolverConfig euler(int steps) { return fixed(Solver::Euler, steps); }
  // Dopri5 with its tolerances and the attempts it may take.
  static constexpr SolverConfig dopri5(double rtol, double atol, int maxSteps = 100000) {
    return SolverConfig{Solver::Dopri5, 100, rtol, atol, maxSteps};
  }
};

struct IntegrationStats {
  long nfe = 0;  // field evaluations, all points counted once per call of the field
  int acceptedSteps = 0;
  int rejectedSteps = 0;  // Dopri5 only
};

// Reusable stage buffers. The overloads below that take one allocate nothing once it is sized
// for the batch (the trainer's hot loop); the others make a fresh one per call. Contents are
// unspecified between calls; one workspace serves one call at a time.
struct OdeWorkspace {
  std::array<Points, 7> k;     // stage derivatives of x
  std::array<PointRow, 7> kl;  // stage derivatives of ℓ (log-density solvers only)
  Points tmp, next;            // stage input; Dopri5 candidate state
  PointRow ltmp, lnext;
};

// Saved states along the integration. states[k] is 2×N at times[k]; times[0] = t0 and
// times.back() = t1. Fixed-step solvers record every step (steps + 1 entries, `samples` is
// ignored); Dopri5 records `samples` + 1 uniformly spaced times from its dense output (the
// Dormand–Prince 4th-order continuous extension) when samples > 0, else every accepted step.
// Each call overwrites the contents, reusing the storage of the states already there.
struct Trajectory {
  int samples = 0;
  std::vector<double> times;
  std::vector<Points> states;
  std::vector<PointRow> logDensities;  // filled only by integrateWithLogDensity
};

// Integrates x from t0 to t1 in place. Throws std::invalid_argument on a bad config (fixed-step:
// steps ≤ 0; Dopri5: rtol or atol not finite and > 0, maxSteps ≤ 0; t0 or t1 not finite;
// trajectory->samples < 0) and std::runtime_error when Dopri5 exceeds maxSteps attempts or its
// step size underflows (e.g. a field returning NaN); x then holds the last accepted state.
// t0 == t1 evaluates nothing (nfe = 0) and records the usual number of (identical) states.
// Dopri5 NFE bookkeeping (FSAL): nfe = 2 + 6·(acceptedSteps + rejectedSteps), the 2 being
// v(x0, t0) and the probe of the initial step-size heuristic (Hairer–Nørsett–Wanner II.4).
IntegrationStats integrate(const VelocityFn& field, Points& x, double t0, double t1,
                           const SolverConfig& config, Trajectory* trajectory = nullptr);
IntegrationStats integrate(const VelocityFn& field, Points& x, double t0, double t1,
                           const SolverConfig& config, OdeWorkspace& workspace,
                           Trajectory* trajectory = nullptr);

// Integrates the augmented state (x, ℓ): dx/dt = v, dℓ/dt = −div v
// (instantaneous change of variables: d log p(x_t)/dt = −tr(∂v/∂x)).
// On return logDensity += −∫_{t0}^{t1} div v(x_t, t) dt along each path; Dopri5 controls the
// error of ℓ as well as x.
IntegrationStats integrateWithLogDensity(const VelocityDivFn& field, Points& x,
                                         PointRow& logDensity, double t0, double t1,
                                         const SolverConfig& config,
                                         Trajectory* trajectory = nullptr);
// logDensity: 1×N, same N as x.
IntegrationStats integrateWithLogDensity(const VelocityDivFn& field, Points& x,
                                         PointRow& logDensity, double t0, double t1,
                                         const SolverConfig& config, OdeWorkspace& workspace,
                                         Trajectory* trajectory = nullptr);

// One step of a fixed-step method from t to t + h (h may be negative), for step-by-step
// inspection. scratch holds the stage buffers between calls. Returns the NFE used.
struct StepScratch {
  Points k1, k2, k3, k4, tmp;
};
int fixedStep(Solver solver, const VelocityFn& field, Points& x, double t, double h,
              StepScratch& scratch);

// The explicit Runge–Kutta coefficients every solver above uses, for code that differentiates
// through solver steps (backprop through a CNF's integration). With k_i = v(x + h·Σ_{j<i}
// a[i][j]·k_j, t + c[i]·h), a step is x + h·Σ_i b[i]·k_i. For Dopri5 stages = 7, b is the
// 5th-order solution (b[6] = 0: the 7th stage is v at the new point, reused as the next k_1)
// and e = b − b̂ weights the embedded 4th-order error estimate; e is zero for the others.
// The fixed-step solvers evaluate exactly these formulas (in float, h rounded to float).
struct ButcherTableau {
  int stages = 0;
  std::array<std::array<double, 7>, 7> a{};
  std::array<double, 7> b{}, c{}, e{};
  // Fixed-step methods: b = bm / bd, small integers over a common denominator, the form the
  // steps are computed in (RK4: bm = 1, 2, 2, 1 and bd = 6).
  std::array<double, 7> bm{};
  int bd = 1;
};
const ButcherTableau& butcherTableau(Solver solver);

}  // namespace flowlab::core
