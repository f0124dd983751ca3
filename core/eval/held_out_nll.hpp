// Held-out NLL while training, and the clock that times the training alone: the pieces of
// `flowlab train --eval-every N` (time to NLL ≤ H + gap, the measure the PyTorch peer's
// torch_cnf.py reports).
//
// HeldOutNll draws a fixed held-out target sample once (its own random stream, so the training
// stream is untouched) and scores a parameter vector on it: mean −log p (nats per point) under a
// fine solver (Dopri5, rtol = atol = 1e-5, exact divergence — the solver `flowlab eval` uses),
// and for cnf/rkl also under the training solver, so exploitation of a coarse training solver
// shows as the two drifting apart. Evaluation allocates; call it between training steps.
//
// TrainingClock sums wall (steady clock) and CPU time (this thread's CPU clock) over the spans
// it is told about, so evaluation, sampling of the held-out set and printing stay out of the
// figure. Caller's thread only, both of them.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "core/eval/flow_evaluator.hpp"
#include "core/model/model.hpp"
#include "core/ode/ode.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

// When the held-out NLL under the training solver and under the fine solver differ by more than
// this (nats per point), the model has started to exploit the training solver's discretisation
// error: its figures under the training solver are no longer to be trusted, and a long run is
// about to degrade. `train` and `eval` warn; the trainer thread rewinds and pauses.
inline constexpr double kSolverDriftNats = 0.05;

// One row of the training log.
struct NllCheckpoint {
  long step = 0;                 // optimisation steps done (all stages)
  double trainSeconds = 0.0;     // wall seconds inside training steps only
  double trainCpuSeconds = 0.0;  // CPU seconds of the training thread inside those steps
  double nllFine = 0.0;          // held-out mean −log p, fine solver (nats)
  double nllTrainSolver = 0.0;   // … under the training solver (NaN unless cnf/rkl)
  double loss = 0.0;             // smoothed training loss
  long nfeForward = 0;           // field evaluations of the last step's forward pass (0 if n/a)
  long nfeBackward = 0;          // … of its backward pass
};

class HeldOutNll {
 public:
  static constexpr SolverConfig kFineSolver = kFineLogDensity;

  // n ≥ 1 held-out points drawn from target with Rng(seed).split(kStream).
  HeldOutNll(const Target& target, long n, std::uint64_t seed, int threads);

  // Mean −log p of the held-out points under config/params: fine solver, and the training
  // solver (config.cnf.solver) when the method trains through one (else NaN).
  void score(const TrainerConfig& config, const ParamVec& params, double& nllFine,
             double& nllTrainSolver) const;

  long size() const { return static_cast<long>(points_.cols()); }

 private:
  static constexpr std::uint64_t kStream = 0x4e4c4c;  // "NLL"
  Points points_;
  int threads_;
};

class TrainingClock {
 public:
  void start();  // begins a timed span
  void stop();   // ends it and adds it to the totals
  double wallSeconds() const { return wall_; }
  double cpuSeconds() const { return cpu_; }

 private:
  static double wallNow();
  static double cpuNow();  // CLOCK_THREAD_CPUTIME_ID
  double wall_ = 0.0, cpu_ = 0.0, wallStart_ = 0.0, cpuStart_ = 0.0;
};

// The log as CSV: header step,train_s,train_cpu_s,nll_fine,nll_train_solver,loss,nfe_forward,
// nfe_backward; one row per checkpoint; non-finite values as "nan".
std::string checkpointsCsv(const std::vector<NllCheckpoint>& rows);

}  // namespace flowlab::core
