// CnfSolve's forward solves (fixed-step Runge–Kutta, Dopri5) of the augmented state, the exact
// reverse of their recorded steps (backprop through the solver), and the public interface.
#include <utility>

#include "core/ode/cnf_solve_impl.hpp"

namespace flowlab::core {

using ode_detail::StepControl;

// Adds one accepted step's quadrature of ℓ, K, F (weights b over stages [base, base + n)).
// ell == nullptr: ℓ was already advanced (Dopri5 computes it for its error estimate).
void CnfSolve::Impl::accumulateStep(const ButcherTableau& T, int n, int base, double h,
                                    PointRow* ell) {
  const double ah = std::abs(h);
  for (int s = 0; s < n; ++s) {
    if (T.b[s] == 0.0) continue;
    const StageEntry& e = tape[base + s];
    if (ell) ell->noalias() -= static_cast<float>(h * T.b[s]) * e.div;  // dℓ/dt = −div v
    kin.noalias() += static_cast<float>(ah * T.b[s]) * e.v.colwise().squaredNorm();
    if (wantFrobenius()) {
      frobeniusOf(e, tmpRow);
      frob.noalias() += static_cast<float>(ah * T.b[s]) * tmpRow;
    }
  }
}

void CnfSolve::Impl::forwardFixed(const float* theta, Points& x, PointRow& ell, bool taped) {
  const ButcherTableau& T = butcherTableau(opt.solver.solver);
  const int S = T.stages, N = opt.solver.steps;
  ensureTape(static_cast<std::size_t>(taped ? N * S : S));
  if (taped) steps.resize(static_cast<std::size_t>(N));  // no allocation once sized
  const double h0 = (tb - ta) / N;
  double t = ta;
  for (int n = 0; n < N; ++n) {
    const double tNext = n + 1 == N ? tb : ta + (n + 1) * h0;  // land exactly on t_b
    const double h = tNext - t;
    const int base = taped ? n * S : 0;
    for (int s = 0; s < S; ++s) {
      if (s == 0) {
        evalStage(theta, x, t, tape[base]);
      } else {
        combine(x, h, T.a[s], s, base, xs);
        evalStage(theta, xs, t + T.c[s] * h, tape[base + s]);
      }
      ++stats.nfeForward;
    }
    for (int s = 0; s < S; ++s)
      if (T.b[s] != 0.0) x.noalias() += static_cast<float>(h * T.b[s]) * tape[base + s].v;
    accumulateStep(T, S, base, h, &ell);
    if (taped) steps[static_cast<std::size_t>(n)] = {h, base};
    ++stats.stepsForward;
    t = tNext;
  }
}

void CnfSolve::Impl::forwardDopri5(const float* theta, Points& x, PointRow& ell, bool taped) {
  const ButcherTableau& T = butcherTableau(Solver::Dopri5);
  const double atol = opt.solver.atol, rtol = opt.solver.rtol;
  const double dir = tb > ta ? 1.0 : -1.0, span = std::abs(tb - ta);
  steps.clear();
  int base = 0;
  ensureTape(7);
  evalStage(theta, x, ta, tape[0]);
  ++stats.nfeForward;

  // Initial step on the augmented state (x, ℓ).
  StepControl ctl{dir, span, tb, opt.solver.maxSteps, "cnf dopri5"};
  double h;
  {
    const StageEntry& k1 = tape[0];
    Eigen::Index c = 0;
    const double d0 = std::sqrt(
        (scaledRms2(x, x, x, atol, rtol, c) + scaledRms2(ell, ell, ell, atol, rtol, c)) / c);
    c = 0;
    const double d1 = std::sqrt(
        (scaledRms2(k1.v, x, x, atol, rtol, c) + scaledRms2(k1.div, ell, ell, atol, rtol, c)) / c);
    const double h0 = StepControl::firstGuess(d0, d1, span);
    xs = x + static_cast<float>(dir * h0) * k1.v;
    evalStage(theta, xs, ta + dir * h0, probeEntry);
    ++stats.nfeForward;
    c = 0;
    const double d2 = std::sqrt((scaledRms2(probeEntry.v - k1.v, x, x, atol, rtol, c) +
                                 scaledRms2(k1.div - probeEntry.div, ell, ell, atol, rtol, c)) /
                                c) /
                      h0;
    h = ctl.initial(h0, d1, d2);
  }

  double t = ta;
  for (;;) {
    bool last;
    ctl.begin(t, h, last);
    if (taped) ensureTape(static_cast<std::size_t>(base + 7));
    const double tNew = last ? tb : t + h;
    for (int s = 1; s < 7; ++s) {
      combine(x, h, T.a[s], s, base, xs);
      if (s == 6) xNew = xs;  // a[6] = b: the FSAL stage sits at the new point
      evalStage(theta, xs, s == 6 ? tNew : t + T.c[s] * h, tape[base + s]);
      ++stats.nfeForward;
    }
    ellNew = ell;
    for (int s = 0; s < 6; ++s)
      if (T.b[s] != 0.0) ellNew.noalias() -= static_cast<float>(h * T.b[s]) * tape[base + s].div;
    // err = h·Σ e_s k_s on (x, ℓ), RMS over every entry.
    xs.setZero();
    tmpRow.setZero();
    for (int s = 0; s < 7; ++s) {
      if (T.e[s] == 0.0) continue;
      xs.noalias() += static_cast<float>(h * T.e[s]) * tape[base + s].v;
      tmpRow.noalias() -= static_cast<float>(h * T.e[s]) * tape[base + s].div;
    }
    Eigen::Index c = 0;
    const double err = std::sqrt(
        (scaledRms2(xs, x, xNew, atol, rtol, c) + scaledRms2(tmpRow, ell, ellNew, atol, rtol, c)) /
        c);
    if (err <= 1.0) {
      accumulateStep(T, 6, base, h, nullptr);
      x = xNew;
      ell = ellNew;
      if (taped) {
        steps.push_back({h, base});
        base += 6;  // the FSAL stage is the next step's first stage
      } else {
        std::swap(tape[0], tape[6]);
      }
      ++stats.stepsForward;
      t = tNew;
      if (last) return;
    } else {
      ++stats.rejectedForward;
    }
    h = ctl.next(h, err);
  }
}

void CnfSolve::Impl::forward(const float* theta, Points& x, PointRow& ell, double a, double b,
                             Rng* rng) {
  if (!std::isfinite(a) || !std::isfinite(b)) throw std::invalid_argument("cnf: non-finite time");
  if (ell.size() != x.cols()) throw std::invalid_argument("cnf: ell must be 1×B for x 2×B");
  stats = {};
  sizeFor(x.cols());
  ta = a;
  tb = b;
  recorded = false;
  if (kind == StageKind::Hutchinson) {
    if (!rng) throw std::invalid_argument("cnf: the Hutchinson estimator needs an Rng");
    drawProbe(*rng);
  }
  kin.setZero();
  frob.setZero();
  steps.clear();
  const bool taped = opt.gradient == GradientMode::Backprop;
  if (a != b) {
    if (isAdaptive(opt.solver.solver))
      forwardDopri5(theta, x, ell, taped);
    else
      forwardFixed(theta, x, ell, taped);
  }
  stats.kinetic = kin.cast<double>().mean();
  stats.frobenius = wantFrobenius() ? frob.cast<double>().mean() : 0.0;
  stats.regularizer = opt.kineticWeight * stats.kinetic + opt.jacobianWeight * stats.frobenius;
  if (!taped) xEnd = x;
  recorded = true;
}

// Exact reverse of the recorded Runge–Kutta steps.
void CnfSolve::Impl::backwardBackprop(const float* theta, const Points& dxEnd,
                                      const PointRow& dellEnd, Eigen::Ref<ParamVec> grad,
                                      Points* dxStart) {
  const bool dopri = isAdaptive(opt.solver.solver);
  const ButcherTableau& T = butcherTableau(opt.solver.solver);
  const int S = dopri ? 6 : T.stages;  // Dopri5's 7th stage belongs to the next step
  const double inv = 1.0 / static_cast<double>(batch);
  const double cK = opt.kineticWeight * inv, cF = opt.jacobianWeight * inv;
  xbar = dxEnd;
  for (int r = static_cast<int>(steps.size()) - 1; r >= 0; --r) {
    const StepRecord& step = steps[static_cast<std::size_t>(r)];
    const double h = step.h, ah = std::abs(h);
    // x_{n+1} = x_n + h Σ b_s k_s  ⇒  ∂L/∂k_s = h·b_s·∂L/∂x_{n+1} (plus later stages' inputs).
    for (int s = 0; s < S; ++s) kbar[s] = static_cast<float>(h * T.b[s]) * xbar;
    for (int s = S - 1; s >= 0; --s) {
      StageEntry& e = tape[static_cast<std::size_t>(step.base + s)];
      // ℓ_{n+1} = ℓ_n − h Σ b_s div_s;  K_{n+1} = K_n + |h| Σ b_s ‖v_s‖² (F likewise).
      ddiv = static_cast<float>(-h * T.b[s]) * dellEnd;
      const bool needDx = !(r == 0 && s == 0 && dxStart == nullptr);
      vjpStage(theta, e, kbar[s], ddiv, static_cast<float>(ah * T.b[s] * cK),
               static_cast<float>(ah * T.b[s] * cF), grad, needDx ? &stageBar : nullptr);
      ++stats.nfeBackward;
      if (!needDx) continue;
      // X_s = x_n + h Σ_{j<s} a_sj k_j.
      xbar += stageBar;
      for (int j = 0; j < s; ++j)
        if (T.a[s][j] != 0.0) kbar[j].noalias() += static_cast<float>(h * T.a[s][j]) * stageBar;
    }
  }
  if (dxStart) *dxStart = xbar;
}

void CnfSolve::Impl::backward(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                              Eigen::Ref<ParamVec> grad, Points* dxStart) {
  if (!recorded) throw std::logic_error("cnf: backward() without a forward()");
  if (dxEnd.cols() != batch || dellEnd.size() != batch)
    throw std::invalid_argument("cnf: backward cotangents do not match the forward batch");
  if (grad.size() != mlp.paramCount())
    throw std::invalid_argument("cnf: gradient size does not match the network");
  stats.nfeBackward = 0;
  stats.stepsBackward = stats.rejectedBackward = 0;
  if (ta == tb) {
    if (dxStart) *dxStart = dxEnd;
    return;
  }
  if (opt.gradient == GradientMode::Backprop)
    backwardBackprop(theta, dxEnd, dellEnd, grad, dxStart);
  else
    backwardAdjoint(theta, dxEnd, dellEnd, grad, dxStart);
}

CnfSolve::CnfSolve(const Mlp& mlp, const CnfOptions& options)
    : impl_(std::make_unique<Impl>(mlp, options)) {}
CnfSolve::~CnfSolve() = default;
CnfSolve::CnfSolve(CnfSolve&&) noexcept = default;
CnfSolve& CnfSolve::operator=(CnfSolve&&) noexcept = default;

const CnfOptions& CnfSolve::options() const { return impl_->opt; }
void CnfSolve::setOptions(const CnfOptions& options) { impl_->configure(options); }

void CnfSolve::forward(const float* theta, Points& x, PointRow& ell, double ta, double tb,
                       Rng* rng) {
  impl_->forward(theta, x, ell, ta, tb, rng);
}

void CnfSolve::backward(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                        Eigen::Ref<ParamVec> grad, Points* dxStart) {
  impl_->backward(theta, dxEnd, dellEnd, grad, dxStart);
}

const CnfSolveStats& CnfSolve::stats() const { return impl_->stats; }

}  // namespace flowlab::core
