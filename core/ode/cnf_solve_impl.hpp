// Internals of CnfSolve (core/cnf_solve.hpp), shared by the files that implement it:
//   cnf_field.cpp    the augmented field: one stage evaluation (v, div, Jacobian tangents) and
//                    its reverse (VJP), options and sizing;
//   cnf_solve.cpp    the forward solves (fixed-step, Dopri5) and backprop through their steps;
//   cnf_adjoint.cpp  the adjoint method's reverse solve.
// Not part of the library's interface: include it only from those files.
// Shapes: B = batch; x, v, tangents 2×B; ℓ, div, K, F 1×B; θ-gradients P = mlp.paramCount().
// Thread affinity: as CnfSolve — one thread at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/ode/cnf_solve.hpp"
#include "core/ode/step_control.hpp"

namespace flowlab::core::cnf_detail {

// How one evaluation of the augmented field is computed from the Mlp.
enum class StageKind {
  ExactDivergence,  // Mlp::divergence (two tangents, fused); no Jacobian norm needed
  ExactJacobian,    // two Mlp::jvp with e₀, e₁: div and ‖J‖²_F (λ_J > 0, exact trace)
  Hutchinson,       // one Mlp::jvp with the probe ε: εᵀJε and ‖Jε‖²
};

// One evaluation of the augmented field, with what its reverse needs.
struct StageEntry {
  MlpWorkspace ws0, ws1;
  MatrixF v;       // 2×B: v(X, t)
  PointRow div;    // 1×B: div v (exact or the Hutchinson estimate)
  MatrixF j0, j1;  // 2×B: Je₀, Je₁ (ExactJacobian) or Jε in j0 (Hutchinson)
};

// A step of the forward solve as the reverse pass replays it.
struct StepRecord {
  double h = 0.0;
  int base = 0;  // tape index of the step's first stage
};

template <class M>
double maxAbs(const M& m) {
  return m.size() == 0 ? 0.0 : static_cast<double>(m.cwiseAbs().maxCoeff());
}

}  // namespace flowlab::core::cnf_detail

namespace flowlab::core {

struct CnfSolve::Impl {
  using StageKind = cnf_detail::StageKind;
  using StageEntry = cnf_detail::StageEntry;
  using StepRecord = cnf_detail::StepRecord;

  Mlp mlp;
  CnfOptions opt;
  StageKind kind = StageKind::ExactDivergence;
  CnfSolveStats stats;

  // What the last forward() recorded.
  bool recorded = false;
  double ta = 0.0, tb = 0.0;
  Eigen::Index batch = 0;
  Points xEnd;                    // adjoint: x(t_b), the reverse solve's start
  Points xAdj;                    // adjoint: x along the reverse solve
  std::vector<StageEntry> tape;   // backprop: every stage; adjoint: one step's stages
  std::vector<StepRecord> steps;  // backprop: the accepted steps in order
  StageEntry probeEntry;          // Dopri5's initial-step probe (never reversed)

  // Constant tangents and the Hutchinson probe (2×B), the time row, zeros.
  MatrixF e0, e1, probe, zero2;
  PointRow tRow;

  // Forward scratch.
  Points xs, xNew;
  PointRow ellNew, kin, frob, tmpRow;

  // Reverse scratch.
  std::array<MatrixF, 7> kbar;  // backprop: ∂L/∂k_s of the current step
  std::array<MatrixF, 7> ka;    // adjoint: stage derivatives of a
  MatrixF xbar, stageBar, dv, dJ0, dJ1, dxTmp, aState, aNew, as;
  PointRow ddiv, lhat;
  ParamVec gAcc, gTmp, gStep, gFsal, gNext;

  Impl(const Mlp& m, const CnfOptions& o) : mlp(m) { configure(o); }

  // ---- the augmented field (cnf_field.cpp) ----
  void configure(const CnfOptions& o);

  bool wantFrobenius() const { return opt.jacobianWeight > 0.0; }

  void ensureTape(std::size_t n) {
    if (tape.size() < n) tape.resize(n);
  }

  // Sizes every B-dependent buffer (allocates only when B changes).
  void sizeFor(Eigen::Index b);

  // Hutchinson probe ε (2×B), Gaussian or Rademacher, from rng.
  void drawProbe(Rng& rng);

  // v, div (and the Jacobian tangents) of the field at (X, t) into e.
  void evalStage(const float* theta, const Eigen::Ref<const MatrixF>& X, double t, StageEntry& e);

  // Per-point ‖J‖²_F (or its Hutchinson estimate ‖Jε‖²) of an evaluated stage, into out.
  void frobeniusOf(const StageEntry& e, PointRow& out) const;

  // Reverse of one stage evaluation. The scalar it differentiates is
  //   Σ_i [⟨dvIn_i, v_i⟩ + ddiv_i·div_i + cKin·‖v_i‖² + cFrob·‖J_i‖²_F];
  // grad += its θ-gradient, *dx = its x-gradient (when dx is non-null).
  void vjpStage(const float* theta, StageEntry& e, const MatrixF& dvIn, const PointRow& dd,
                float cKin, float cFrob, Eigen::Ref<ParamVec> grad, MatrixF* dx);

  // x += h·Σ_j a_j·v_j over the stages [base, base + count) into out.
  template <class Coef>
  void combine(const Points& x, double h, const Coef& a, int count, int base, Points& out) {
    out = x;
    for (int j = 0; j < count; ++j)
      if (a[j] != 0.0) out.noalias() += static_cast<float>(h * a[j]) * tape[base + j].v;
  }

  // Σ (v / (atol + rtol·max(|ya|, |yb|)))² in double; count += entries (Hairer's RMS norm).
  template <class V, class A, class B>
  static double scaledRms2(const V& v, const A& ya, const B& yb, double atol, double rtol,
                           Eigen::Index& count) {
    count += v.size();
    return (v.array().template cast<double>() /
            (atol + rtol * ya.array().abs().max(yb.array().abs()).template cast<double>()))
        .square()
        .sum();
  }

  // ---- forward solves and backprop through them (cnf_solve.cpp) ----
  // Adds one accepted step's quadrature of ℓ, K, F (weights b over stages [base, base + n)).
  // ell == nullptr: ℓ was already advanced (Dopri5 computes it for its error estimate).
  void accumulateStep(const ButcherTableau& T, int n, int base, double h, PointRow* ell);

  void forwardFixed(const float* theta, Points& x, PointRow& ell, bool taped);

  void forwardDopri5(const float* theta, Points& x, PointRow& ell, bool taped);

  void forward(const float* theta, Points& x, PointRow& ell, double a, double b, Rng* rng);

  // Exact reverse of the recorded Runge–Kutta steps.
  void backwardBackprop(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                        Eigen::Ref<ParamVec> grad, Points* dxStart);

  void backward(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                Eigen::Ref<ParamVec> grad, Points* dxStart);

  // ---- the adjoint method (cnf_adjoint.cpp) ----
  // One adjoint stage at (X, A, t): KX = v into tape[s], KA = −∂(aᵀf)/∂x into ka[s],
  // gOut = ∂(aᵀf)/∂θ (overwritten).
  void adjointStage(const float* theta, const Eigen::Ref<const MatrixF>& X, const MatrixF& A,
                    double t, float cKin, float cFrob, ParamVec& gOut, StageEntry& e,
                    MatrixF& kaOut);

  // Continuous backprop: x and a = ∂L/∂x integrated from t_b back to t_a, ∂L/∂θ along.
  void backwardAdjoint(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                       Eigen::Ref<ParamVec> grad, Points* dxStart);

  // The reverse solve from t_b to t_a with Dopri5 on (x, a); g integrated along, not controlled.
  void adjointDopri5(const float* theta, Points& x, float cKin, float cFrob);
  // Dopri5's first step for the reverse solve on (x, a) from t0, heading `dir` over `span`
  // (Hairer–Nørsett–Wanner's starting-step rule; one extra adjoint evaluation).
  double adjointFirstStep(const float* theta, const Points& x, float cKin, float cFrob, double t0,
                          double dir, double span, ode_detail::StepControl& ctl);
};

}  // namespace flowlab::core
