// How the solver and its number of steps change a trained flow's samples — the figures behind
// "a rectified flow samples in one step": for each fixed-step solver and step count N, the
// endpoint error at t = 1 against a fine reference solve from the same base points, the NFE,
// and W2 to a target sample; and each solver's convergence order fitted to error ≈ C·N^−p
// (1 for Euler, 2 for midpoint and Heun, 4 for RK4 where the field is smooth).
//
// GL-free; runs on the caller's thread plus `threads` workers for the solves.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/model/trainer_config.hpp"
#include "core/ode/solver_run.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

struct SolverStudyOptions {
  std::vector<Solver> solvers{Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4};
  std::vector<int> steps{1, 2, 4, 8, 16, 32, 100};  // N, each ≥ 1
  int n = 2000;                                     // base points and target points
  std::uint64_t seed = 0;                           // draws both samples
  int threads = 1;
  double referenceTolerance = 1e-7;  // Dopri5 rtol = atol of the reference
};

struct SolverStudyRow {
  Solver solver = Solver::Euler;
  int steps = 0;
  long nfe = 0;       // field evaluations per point
  double w2 = 0.0;    // exact W2 between the n endpoints and n target points
  PointErrors error;  // endpoint distance to the reference endpoint, per point
};

struct SolverOrder {
  Solver solver = Solver::Euler;
  double order = 0.0;  // fitted p (NaN when fewer than two step counts are usable)
};

struct SolverStudy {
  std::vector<SolverStudyRow> rows;  // solvers in the order asked, N increasing within each
  std::vector<SolverOrder> orders;   // one per solver, same order
  double referenceW2 = 0.0;          // W2 of the reference endpoints (the model's own best)
  long referenceNfe = 0;
  double w2Floor = 0.0;  // W2 between two target samples of n: what a perfect model would score
};

// Throws std::invalid_argument for a model without a velocity field (RealNVP), an empty solver
// or step list, an adaptive solver in the list, N < 1 or n < 2.
SolverStudy solverStudy(const TrainerConfig& config, const ParamVec& params, const Target& target,
                        const SolverStudyOptions& options);

// The same study a piece at a time, for a worker thread that must keep its pieces short: piece 0
// draws the samples and solves the reference, each further piece one (solver, N) row; take()
// fits the orders. Holds copies of what it needs (the parameters, the target's pointer).
class SolverStudyBuilder {
 public:
  SolverStudyBuilder(const TrainerConfig& config, ParamVec params,
                     std::shared_ptr<const Target> target, SolverStudyOptions options);
  int pieces() const;  // 1 + solvers × step counts
  int done() const { return next_; }
  void nextPiece();    // the next piece (at most pieces() calls)
  SolverStudy take();  // after every piece

 private:
  TrainerConfig config_;
  ParamVec params_;
  std::shared_ptr<const Target> target_;
  SolverStudyOptions options_;
  Points x0_, data_, reference_;
  SolverStudy study_;
  int next_ = 0;
};

}  // namespace flowlab::core
