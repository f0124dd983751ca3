// ODE solvers for dx/dt = v(x, t) on batches of 2-D points: Euler, midpoint, Heun, RK4 and
// adaptive Dormand–Prince 5(4) with dense output; forward (t0 < t1) or backward (t0 > t1) in time;
// optionally carrying log-density by the instantaneous change of variables.
//
// A field is a callable; it must write v for every column of x and must not resize anything.
// Solvers allocate their stage buffers once per call (never per step) and count every field
// evaluation (NFE). Thread affinity: a call runs on the caller's thread; the field callable must
// be usable from it (give each thread its own evaluator).
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace flowlab::core {

// v = field(x, t). x: 2×N, v: 2×N, already sized 2×N by the solver.
using VelocityFn = std::function<void(const Points& x, double t, Points& v)>;
// v and div = tr(∂v/∂x): v 2×N, div 1×N, already sized by the solver.
using VelocityDivFn = std::function<void(const Points& x, double t, Points& v, PointRow& div)>;

enum class Solver { Euler, Midpoint, Heun, RK4, Dopri5 };

std::string_view solverName(Solver s);                    // "euler", "midpoint", "heun", "rk4", "dopri5"
std::optional<Solver> parseSolver(std::string_view name);  // nullopt when unknown
int stagesPerStep(Solver s);                              // field evaluations per fixed step (Dopri5: 6, FSAL)
bool isAdaptive(Solver s);

struct SolverConfig {
  Solver solver = Solver::RK4;
  int steps = 100;        // fixed-step solvers: number of uniform steps over [t0, t1]
  double rtol = 1e-5;     // Dopri5 only
  double atol = 1e-5;     // Dopri5 only
  int maxSteps = 100000;  // Dopri5: give up (throws std::runtime_error) beyond this many attempts
};

struct IntegrationStats {
  long nfe = 0;            // field evaluations, all points counted once per call of the field
  int acceptedSteps = 0;
  int rejectedSteps = 0;   // Dopri5 only
};

// Saved states along the integration. states[k] is 2×N at times[k]; times[0] = t0 and
// times.back() = t1. Fixed-step solvers record every step; Dopri5 records `samples` + 1
// uniformly spaced times from its dense output when samples > 0, else every accepted step.
struct Trajectory {
  int samples = 0;
  std::vector<double> times;
  std::vector<Points> states;
  std::vector<PointRow> logDensities;  // filled only by integrateWithLogDensity
};

// Integrates x from t0 to t1 in place. Throws std::invalid_argument on a bad config.
IntegrationStats integrate(const VelocityFn& field, Points& x, double t0, double t1,
                           const SolverConfig& config, Trajectory* trajectory = nullptr);

// Integrates the augmented state (x, ℓ): dx/dt = v, dℓ/dt = −div v
// (instantaneous change of variables: d log p(x_t)/dt = −tr(∂v/∂x)).
// On return logDensity += −∫_{t0}^{t1} div v(x_t, t) dt along each path; Dopri5 controls the
// error of ℓ as well as x.
IntegrationStats integrateWithLogDensity(const VelocityDivFn& field, Points& x,
                                         PointRow& logDensity, double t0, double t1,
                                         const SolverConfig& config,
                                         Trajectory* trajectory = nullptr);

// One step of a fixed-step method from t to t + h (h may be negative), for step-by-step
// inspection. scratch holds the stage buffers between calls. Returns the NFE used.
struct StepScratch {
  Points k1, k2, k3, k4, tmp;
};
int fixedStep(Solver solver, const VelocityFn& field, Points& x, double t, double h,
              StepScratch& scratch);

}  // namespace flowlab::core
