// Folder eval/: measuring a model (sampling and exact log density, density grids, W2 and path
// metrics, held-out NLL, streamlines).
//
// Evaluating one stage of a model: its velocity field (continuous flows), the base→target map
// (sampling) and the model's exact log density at t = 1.
//
// A FlowEvaluator holds per-thread scratch: make one per thread. Construction copies nothing
// but a pointer to the parameters, which must outlive it (hold the Model/Snapshot).
#pragma once

#include <memory>

#include "core/base/standard_normal.hpp"
#include "core/model/model.hpp"
#include "core/nn/mlp.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

class FlowEvaluator {
 public:
  FlowEvaluator(const TrainerConfig& config, const ParamVec& params);
  ~FlowEvaluator();
  FlowEvaluator(const FlowEvaluator&) = delete;
  FlowEvaluator& operator=(const FlowEvaluator&) = delete;

  bool continuous() const;  // has v(x, t)

  // v = v(x, t); x, v: 2×N. Continuous flows only.
  void velocity(const Points& x, double t, Points& v);
  // v and div v = tr(∂v/∂x) (exact, from forward mode).
  void velocityDivergence(const Points& x, double t, Points& v, PointRow& div);
  VelocityFn velocityFn();        // bound to this evaluator
  VelocityDivFn velocityDivFn();  // bound to this evaluator

  // Base → target: x (2×N) holds base samples on entry, target-side samples on return
  // (for continuous flows: the ODE from t = 0 to 1).
  IntegrationStats sample(Points& x, const SolverConfig& solver, Trajectory* trajectory = nullptr);

  // logp(i) = log p_model(x_i) at t = 1, natural log: integrate back to t = 0 carrying
  // −∫div v, then add log N(x0; 0, I). x: 2×N.
  IntegrationStats logDensity(const Points& x, const SolverConfig& solver, PointRow& logp);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same over column chunks on `threads` threads, one evaluator each (results do not depend
// on `threads` for fixed-step solvers; Dopri5 picks its steps per chunk). The returned NFE is
// per point (the largest over chunks). Trajectories need a fixed-step solver or
// trajectory->samples > 0 so that every chunk shares the same times.
IntegrationStats sampleFlow(const TrainerConfig& config, const ParamVec& params, Points& x,
                            const SolverConfig& solver, int threads,
                            Trajectory* trajectory = nullptr);
IntegrationStats flowLogDensity(const TrainerConfig& config, const ParamVec& params,
                                const Points& x, const SolverConfig& solver, int threads,
                                PointRow& logp);

// The solvers behind flowlab's quality figures, one choice for every command and view: samples
// by RK4 with 100 steps, the exact log density by Dopri5 at rtol = atol = 1e-5.
inline constexpr SolverConfig kReferenceSampling = SolverConfig::rk4(100);
inline constexpr SolverConfig kFineLogDensity = SolverConfig::dopri5(1e-5, 1e-5);

}  // namespace flowlab::core
