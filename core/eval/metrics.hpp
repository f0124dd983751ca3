// Quality metrics of a trained flow: exact W2 between samples, straightness, transport cost,
// path energy, NLL. All reductions in double. Thread affinity: caller's thread.
#pragma once

#include "core/base/types.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

// Exact 2-Wasserstein distance between two equal-size samples with uniform weights:
// W2 = sqrt( min_σ (1/n) Σ_i ‖a_i − b_σ(i)‖² ). a, b: 2×n, n ≥ 1. Throws std::invalid_argument
// on unequal sizes or n = 0. Costs are computed on the fly (memory O(n), time ~O(n²)–O(n³)).
double w2Exact(const Points& a, const Points& b);

struct PathMetrics {
  double straightness = 0.0;  // S = E ∫₀¹ ‖(x₁ − x₀) − v(x_t, t)‖² dt along the model's own paths
  double transportCost = 0.0;  // E ‖x₁ − x₀‖²
  double pathEnergy = 0.0;  // E ∫₀¹ ‖v(x_t, t)‖² dt (≥ transport cost; equal iff straight)
  long nfe = 0;             // field evaluations used
};

// Integrates x0 (2×n) from t = 0 to 1 with `config` (a fixed-step solver; Dopri5 is sampled at
// config.steps uniform times through its dense output) and evaluates the integrals above with
// the trapezoid rule on the trajectory grid. x1 receives the endpoints when non-null (it may
// be x0 itself).
// v is evaluated once more at every grid node (counted in nfe). In exact arithmetic
// S = pathEnergy − transportCost, since ∫₀¹ v dt = x₁ − x₀ along each path.
// Throws std::invalid_argument when config.steps ≤ 0 or x0 is empty.
PathMetrics pathMetrics(const VelocityFn& field, const Points& x0, const SolverConfig& config,
                        Points* x1 = nullptr);

// Mean negative log-likelihood, in nats per point: −(1/n) Σ logp_i (double accumulation).
// Throws std::invalid_argument when logDensity is empty.
double meanNll(const PointRow& logDensity);

}  // namespace flowlab::core
