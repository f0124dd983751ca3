// A differentiable log-density ODE solve for continuous normalizing flows: integrates the
// augmented state (x, ℓ) of an Mlp velocity field and returns parameter gradients, either by
// backpropagation through the solver's steps or by the adjoint method (Chen et al. 2018). Shared by
// CNF maximum likelihood (cnf.cpp) and reverse KL (reverse_kl.cpp).
//
// The solve. From t_a to t_b (either direction), per point:
//   dx/dt = v(x, t)                          (the Mlp, x: 2×B)
//   dℓ/dt = −div v(x, t)                     (instantaneous change of variables; div exact from
//                                             two forward tangents, or Hutchinson εᵀ(∂v/∂x)ε)
//   dK/dt = σ·‖v‖²,  dF/dt = σ·‖∂v/∂x‖²_F    (RNODE regularisers, σ = sign(t_b − t_a), so K and
//                                             F are ∫‖·‖² |dt| ≥ 0; K(t_a) = F(t_a) = 0)
// forward() returns x(t_b) and ℓ(t_b) = ℓ(t_a) − ∫_{t_a}^{t_b} div v dt, the same convention as
// core::integrateWithLogDensity. With ℓ(t_a) = log p_{t_a}(x(t_a)) it tracks log p_t(x_t).
// The regulariser R = λ_K·mean_i K_i + λ_J·mean_i F_i is part of the solve: backward() adds
// ∂R/∂θ to the gradient on top of the caller's ∂L/∂(x, ℓ), so the caller's loss is L + R.
//
// Hutchinson. One probe ε (2×B, Gaussian N(0, I) or Rademacher ±1) is drawn per forward() and
// held fixed for the whole solve (and the adjoint's reverse solve); div ≈ εᵀJε and
// ‖J‖²_F ≈ ‖Jε‖² are both unbiased since E[εεᵀ] = I. With the exact trace and λ_J > 0, J is
// formed from the two tangents e₀, e₁ (‖J‖²_F = ‖Je₀‖² + ‖Je₁‖², div = (Je₀)₀ + (Je₁)₁).
//
// Gradients.
//  - Backprop (default): every stage evaluation keeps its Mlp workspace on a tape, and
//    backward() reverses the Runge–Kutta combinations exactly: the gradient of the discrete
//    solve, to float rounding. Dopri5: through the accepted steps; step sizes and accept/reject
//    decisions are treated as constants. The tape is sized once per (batch, steps) and reused,
//    so a step allocates nothing (Dopri5 grows it only when a solve needs more steps than any
//    before).
//  - Adjoint: forward() keeps no tape, only x(t_b). backward() integrates x back from t_b to
//    t_a together with the adjoint a = ∂L/∂x, da/dt = −aᵀ∂f/∂x (f the augmented dynamics,
//    the VJP from Mlp::backward-family reverse modes: dx and θ parts), and accumulates
//    ∂L/∂θ = ∫_{t_a}^{t_b} aᵀ ∂f/∂θ dt; with the same solver and step count (Dopri5: adaptive,
//    error-controlled on x and a, with a scaled to unit size so rtol/atol keep their meaning).
//    It agrees with backprop to solver accuracy. Both regularisers are supported here too.
//
// NFE: one per evaluation of the augmented field on the whole batch (forward), and one per
// stage reversed (backprop) or per stage of the reverse solve (adjoint, each a forward + VJP).
//
// Thread affinity: a CnfSolve belongs to one thread at a time (it owns Mlp workspaces).
//
// Implemented by idea: cnf_field.cpp (one augmented-field evaluation and its reverse),
// cnf_solve.cpp (forward solves, backprop through them), cnf_adjoint.cpp (the adjoint method);
// their shared internals are in cnf_solve_impl.hpp.
#pragma once

#include <memory>
#include <string>

#include "core/base/rng.hpp"
#include "core/base/types.hpp"
#include "core/nn/mlp.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

enum class TraceEstimator { Exact, Hutchinson };
enum class HutchinsonProbe { Gaussian, Rademacher };
enum class GradientMode { Backprop, Adjoint };

// How a CNF is integrated and differentiated; also the training config's `cnf` part.
struct CnfOptions {
  SolverConfig solver{Solver::RK4, 8, 1e-5, 1e-5, 100000};
  TraceEstimator trace = TraceEstimator::Exact;
  HutchinsonProbe probe = HutchinsonProbe::Gaussian;
  GradientMode gradient = GradientMode::Backprop;
  double kineticWeight = 0.0;   // λ_K ∫‖v‖² dt (RNODE), ≥ 0
  double jacobianWeight = 0.0;  // λ_J ∫‖∂v/∂x‖_F² dt (RNODE), ≥ 0
  bool operator==(const CnfOptions&) const = default;
};

// Empty when the options are usable; else one line naming the problem.
std::string validateCnfOptions(const CnfOptions& options);

struct CnfSolveStats {
  long nfeForward = 0;                          // last forward()
  long nfeBackward = 0;                         // last backward()
  int stepsForward = 0, rejectedForward = 0;    // accepted / rejected steps (rejections: Dopri5)
  int stepsBackward = 0, rejectedBackward = 0;  // adjoint reverse solve only
  double kinetic = 0.0;    // mean_i K_i of the last forward() (always computed)
  double frobenius = 0.0;  // mean_i F_i (computed only when λ_J > 0; an estimate under Hutchinson)
  double regularizer = 0.0;  // R = λ_K·kinetic + λ_J·frobenius
};

class CnfSolve {
 public:
  // Throws std::invalid_argument on bad options or a network that is not a 2-D field with a
  // time input.
  CnfSolve(const Mlp& mlp, const CnfOptions& options);
  ~CnfSolve();
  CnfSolve(CnfSolve&&) noexcept;
  CnfSolve& operator=(CnfSolve&&) noexcept;
  CnfSolve(const CnfSolve&) = delete;
  CnfSolve& operator=(const CnfSolve&) = delete;

  const CnfOptions& options() const;
  void setOptions(const CnfOptions& options);  // throws std::invalid_argument

  // x: 2×B in/out (x(t_a) → x(t_b)); ell: 1×B in/out (ℓ(t_a) → ℓ(t_b)). t_a ≠ t_b, finite.
  // rng draws the Hutchinson probe (may be null for the exact trace). Records what backward()
  // needs. Throws std::runtime_error when Dopri5 exceeds maxSteps or its step underflows.
  void forward(const float* theta, Points& x, PointRow& ell, double ta, double tb, Rng* rng);

  // After forward() with the same θ: given dxEnd = ∂L/∂x(t_b) (2×B) and dellEnd = ∂L/∂ℓ(t_b)
  // (1×B), grad += ∂(L + R)/∂θ; if dxStart is non-null, *dxStart = ∂(L + R)/∂x(t_a).
  void backward(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                Eigen::Ref<ParamVec> grad, Points* dxStart = nullptr);

  const CnfSolveStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowlab::core
