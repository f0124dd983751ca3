// A lower bound on the optimal transport cost W2²(N(0, I), target), from samples, biased down.
//
// The two-sample figure (W2² between m base points and m target points by exact assignment)
// is biased UP (by ≈ 0.1 at m = 500 and a few hundredths at m = 2000 on 8gaussians), so a good
// flow's transport cost can sit under it. This estimate is of a bound that holds for any
// potentials (Kantorovich duality, Villani 2003 Thm 1.3, with Brenier's quadratic form):
//
//   W2²(μ, ν) ≥ E_μ|X|² + E_ν|Y|² − 2 (E_μ f(X) + E_ν g(Y))   whenever f(x) + g(y) ≥ ⟨x, y⟩.
//
// f and g come from the exact assignment of m anchor pairs (x_i, y_j): the solve's potential
// p_j of each y_j gives b_j = (|y_j|² − p_j)/2 and the convex f₀(x) = max_j ⟨x, y_j⟩ − b_j. Its
// conjugate is finite only on the anchors' hull, so f = f₀ + λ|x|²/2 and g the upper bound
// g(y) = min_j b_j + |y − y_j|²/(2λ) ≥ f*(y) (inf-convolution of f₀* with |·|²/(2λ), restricted
// to the vertices); then f(x) + g(y) ≥ ⟨x, y⟩ by Fenchel–Young. λ is chosen on a validation
// sample and the bound is then estimated on fresh test points, so the estimate is unbiased for
// a true lower bound (its standard error given). GL-free; caller's thread; O(m³) for the solve,
// O(m·test) after.
#pragma once

#include "core/base/rng.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

struct OtLowerBound {
  double value = 0.0;          // the estimate of the bound (squared length units)
  double standardError = 0.0;  // of `value`, over the test points
  double lambda = 0.0;         // the regularisation chosen on the validation points
  long anchors = 0, testPoints = 0;
};

// anchors ≥ 2 pairs for the assignment, testPoints ≥ 2 fresh pairs for the estimate (and a
// quarter as many, at least 2, to choose λ); throws std::invalid_argument otherwise. The same
// rng state gives the same result.
OtLowerBound otLowerBound(const Target& target, long anchors, long testPoints, Rng rng);

}  // namespace flowlab::core
