// The adjoint method of CnfSolve (continuous backpropagation; Chen et al. 2018, NeurIPS, section
// 2): x and the adjoint a = ∂L/∂x integrated from t_b back to t_a, ∂L/∂θ = ∫ aᵀ ∂f/∂θ dt
// accumulated along, with the training solver (Dopri5: error-controlled on x and a).
#include <utility>

#include "core/ode/cnf_solve_impl.hpp"

namespace flowlab::core {

using cnf_detail::maxAbs;
using ode_detail::StepControl;

// One adjoint stage at (X, A, t): KX = v into tape[s], KA = −∂(aᵀf)/∂x into ka[s],
// gOut = ∂(aᵀf)/∂θ (overwritten).
void CnfSolve::Impl::adjointStage(const float* theta, const Eigen::Ref<const MatrixF>& X,
                                  const MatrixF& A, double t, float cKin, float cFrob,
                                  ParamVec& gOut, StageEntry& e, MatrixF& kaOut) {
  evalStage(theta, X, t, e);
  gOut.setZero();
  // aᵀf = ⟨a, v⟩ + ℓ̂·(−div) + σ ĉ_K ‖v‖² + σ ĉ_F ‖J‖²_F.
  vjpStage(theta, e, A, ddiv, cKin, cFrob, gOut, &kaOut);
  kaOut = -kaOut;
  ++stats.nfeBackward;
}

void CnfSolve::Impl::backwardAdjoint(const float* theta, const Points& dxEnd,
                                     const PointRow& dellEnd, Eigen::Ref<ParamVec> grad,
                                     Points* dxStart) {
  const Eigen::Index P = mlp.paramCount();
  const double inv = 1.0 / static_cast<double>(batch);
  const double sigma = tb > ta ? 1.0 : -1.0;
  // The adjoint system is linear in (a, ℓ̄, c_K, c_F): solve it for unit-sized cotangents so
  // Dopri5's rtol/atol mean the same whatever the loss scale, then scale back.
  double scale =
      std::max({maxAbs(dxEnd), maxAbs(dellEnd), opt.kineticWeight * inv, opt.jacobianWeight * inv});
  if (!(scale > 0.0) || !std::isfinite(scale)) scale = 1.0;
  const float invScale = static_cast<float>(1.0 / scale);
  aState = invScale * dxEnd;
  ddiv = -invScale * dellEnd;  // the cotangent on div in aᵀf
  const auto cKin = static_cast<float>(sigma * opt.kineticWeight * inv / scale);
  const auto cFrob = static_cast<float>(sigma * opt.jacobianWeight * inv / scale);
  gAcc.setZero(P);
  gTmp.resize(P);
  xAdj = xEnd;
  Points& x = xAdj;

  if (!isAdaptive(opt.solver.solver)) {
    const ButcherTableau& T = butcherTableau(opt.solver.solver);
    const int S = T.stages, N = opt.solver.steps;
    ensureTape(static_cast<std::size_t>(S));
    const double h0 = (ta - tb) / N;
    double t = tb;
    for (int n = 0; n < N; ++n) {
      const double tNext = n + 1 == N ? ta : tb + (n + 1) * h0;
      const double h = tNext - t;
      for (int s = 0; s < S; ++s) {
        if (s == 0) {
          adjointStage(theta, x, aState, t, cKin, cFrob, gTmp, tape[0], ka[0]);
        } else {
          combine(x, h, T.a[s], s, 0, xs);
          as = aState;
          for (int j = 0; j < s; ++j)
            if (T.a[s][j] != 0.0) as.noalias() += static_cast<float>(h * T.a[s][j]) * ka[j];
          adjointStage(theta, xs, as, t + T.c[s] * h, cKin, cFrob, gTmp, tape[s], ka[s]);
        }
        // dg/dt = −∂(aᵀf)/∂θ, g(t_b) = 0  ⇒  g(t_a) = ∂L/∂θ.
        if (T.b[s] != 0.0) gAcc.noalias() -= static_cast<float>(h * T.b[s]) * gTmp;
      }
      for (int s = 0; s < S; ++s) {
        if (T.b[s] == 0.0) continue;
        x.noalias() += static_cast<float>(h * T.b[s]) * tape[s].v;
        aState.noalias() += static_cast<float>(h * T.b[s]) * ka[s];
      }
      ++stats.stepsBackward;
      t = tNext;
    }
  } else {
    adjointDopri5(theta, x, cKin, cFrob);
  }
  grad.noalias() += static_cast<float>(scale) * gAcc;
  if (dxStart) *dxStart = static_cast<float>(scale) * aState;
}

// The reverse solve from t_b to t_a with Dopri5 on (x, a); g integrated along, not controlled.
void CnfSolve::Impl::adjointDopri5(const float* theta, Points& x, float cKin, float cFrob) {
  const ButcherTableau& T = butcherTableau(Solver::Dopri5);
  const Eigen::Index P = mlp.paramCount();
  const double atol = opt.solver.atol, rtol = opt.solver.rtol;
  const double t0 = tb, t1 = ta;
  const double dir = t1 > t0 ? 1.0 : -1.0, span = std::abs(t1 - t0);
  ensureTape(7);
  gStep.resize(P);
  gFsal.resize(P);
  gNext.resize(P);
  adjointStage(theta, x, aState, t0, cKin, cFrob, gFsal, tape[0], ka[0]);

  StepControl ctl{dir, span, t1, opt.solver.maxSteps, "cnf adjoint dopri5"};
  double h = adjointFirstStep(theta, x, cKin, cFrob, t0, dir, span, ctl);

  double t = t0;
  for (;;) {
    bool last;
    ctl.begin(t, h, last);
    const double tNew = last ? t1 : t + h;
    gStep = static_cast<float>(T.b[0]) * gFsal;
    for (int s = 1; s < 7; ++s) {
      combine(x, h, T.a[s], s, 0, xs);
      as = aState;
      for (int j = 0; j < s; ++j)
        if (T.a[s][j] != 0.0) as.noalias() += static_cast<float>(h * T.a[s][j]) * ka[j];
      if (s == 6) {
        xNew = xs;
        aNew = as;
      }
      ParamVec& gOut = s == 6 ? gNext : gTmp;
      adjointStage(theta, xs, as, s == 6 ? tNew : t + T.c[s] * h, cKin, cFrob, gOut, tape[s],
                   ka[s]);
      if (s < 6 && T.b[s] != 0.0) gStep.noalias() += static_cast<float>(T.b[s]) * gTmp;
    }
    xs.setZero();
    as.setZero(2, x.cols());
    for (int s = 0; s < 7; ++s) {
      if (T.e[s] == 0.0) continue;
      xs.noalias() += static_cast<float>(h * T.e[s]) * tape[s].v;
      as.noalias() += static_cast<float>(h * T.e[s]) * ka[s];
    }
    Eigen::Index c = 0;
    const double err = std::sqrt(
        (scaledRms2(xs, x, xNew, atol, rtol, c) + scaledRms2(as, aState, aNew, atol, rtol, c)) / c);
    if (err <= 1.0) {
      gAcc.noalias() -= static_cast<float>(h) * gStep;  // dg/dt = −∂(aᵀf)/∂θ
      x = xNew;
      std::swap(aState, aNew);
      std::swap(tape[0], tape[6]);
      std::swap(ka[0], ka[6]);
      std::swap(gFsal, gNext);
      ++stats.stepsBackward;
      t = tNew;
      if (last) return;
    } else {
      ++stats.rejectedBackward;
    }
    h = ctl.next(h, err);
  }
}

double CnfSolve::Impl::adjointFirstStep(const float* theta, const Points& x, float cKin,
                                        float cFrob, double t0, double dir, double span,
                                        StepControl& ctl) {
  const double atol = opt.solver.atol, rtol = opt.solver.rtol;
  Eigen::Index c = 0;
  const double d0 = std::sqrt(
      (scaledRms2(x, x, x, atol, rtol, c) + scaledRms2(aState, aState, aState, atol, rtol, c)) / c);
  c = 0;
  const double d1 = std::sqrt((scaledRms2(tape[0].v, x, x, atol, rtol, c) +
                               scaledRms2(ka[0], aState, aState, atol, rtol, c)) /
                              c);
  const double h0 = StepControl::firstGuess(d0, d1, span);
  xs = x + static_cast<float>(dir * h0) * tape[0].v;
  as = aState + static_cast<float>(dir * h0) * ka[0];
  adjointStage(theta, xs, as, t0 + dir * h0, cKin, cFrob, gTmp, probeEntry, ka[1]);
  c = 0;
  const double d2 = std::sqrt((scaledRms2(probeEntry.v - tape[0].v, x, x, atol, rtol, c) +
                               scaledRms2(ka[1] - ka[0], aState, aState, atol, rtol, c)) /
                              c) /
                    h0;
  return ctl.initial(h0, d1, d2);
}

}  // namespace flowlab::core
