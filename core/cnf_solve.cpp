// cnf_solve.cpp: the differentiable log-density solve (backprop through the steps, or adjoint).
#include "core/cnf_solve.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace flowlab::core {
namespace {

// Step-size control, the same PI controller as core/ode.cpp's Dopri5 (Hairer et al. II.4), so a
// forward solve here takes the steps integrateWithLogDensity would.
constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0;
constexpr double kBeta = 0.04, kAlpha = 0.2 - 0.75 * kBeta;

// Dopri5's step-size bookkeeping, shared by the forward and the adjoint solves.
struct StepControl {
  double dir, span, t1;
  int maxSteps;
  const char* who;
  double errPrev = 1e-4;
  bool lastRejected = false;
  int attempts = 0;

  // Starting step (Hairer, Nørsett & Wanner II.4): the first guess from d0 = ‖y0‖, d1 = ‖f0‖…
  static double firstGuess(double d0, double d1, double span) {
    return std::min((d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1, span);
  }
  // … then refined with d2 = ‖f(y0 + h0·f0) − f0‖ / h0. Returns the signed step.
  double initial(double h0, double d1, double d2) const {
    const double dMax = std::max(d1, d2);
    const double h1 = dMax <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / dMax, 0.2);
    return dir * std::min({100.0 * h0, h1, span});
  }
  // Before an attempt from t: clips h to land on t1 (sets last) and enforces the limits.
  void begin(double t, double& h, bool& last) {
    if (attempts++ >= maxSteps)
      throw std::runtime_error(std::string(who) + ": more than maxSteps step attempts");
    last = false;
    if (dir * (t + h - t1) >= 0.0) {
      h = t1 - t;
      last = true;
    }
    if (std::abs(h) <= 16.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(t)))
      throw std::runtime_error(std::string(who) + ": step size underflow (non-finite or stiff field?)");
  }
  // After an attempt with scaled RMS error err: the next step (PI control on acceptance).
  double next(double h, double err) {
    if (err <= 1.0) {
      double factor =
          err == 0.0 ? kMaxFactor : kSafety * std::pow(err, -kAlpha) * std::pow(errPrev, kBeta);
      factor = std::clamp(factor, kMinFactor, kMaxFactor);
      if (lastRejected) factor = std::min(factor, 1.0);
      errPrev = std::max(err, 1e-4);
      lastRejected = false;
      return h * factor;
    }
    // NaN/inf error (a diverging field) shrinks by the minimum factor until underflow throws.
    lastRejected = true;
    return h * std::max(kMinFactor, std::isfinite(err) ? kSafety * std::pow(err, -0.2) : kMinFactor);
  }
};

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

void checkFinitePositive(double v, const char* what, std::string& out) {
  if (out.empty() && !(std::isfinite(v) && v > 0.0)) out = std::string(what) + " must be finite and > 0";
}

template <class M>
double maxAbs(const M& m) {
  return m.size() == 0 ? 0.0 : static_cast<double>(m.cwiseAbs().maxCoeff());
}

}  // namespace

CnfSolveOptions CnfSolveOptions::from(const CnfOptions& cnf) {
  CnfSolveOptions o;
  o.solver = cnf.solver;
  o.trace = cnf.trace;
  o.probe = cnf.probe;
  o.gradient = cnf.gradient;
  o.kineticWeight = cnf.kineticWeight;
  o.jacobianWeight = cnf.jacobianWeight;
  return o;
}

std::string validateCnfSolveOptions(const CnfSolveOptions& o) {
  std::string err;
  if (isAdaptive(o.solver.solver)) {
    checkFinitePositive(o.solver.rtol, "cnf solver rtol", err);
    checkFinitePositive(o.solver.atol, "cnf solver atol", err);
    if (err.empty() && o.solver.maxSteps <= 0) err = "cnf solver maxSteps must be > 0";
  } else if (o.solver.steps <= 0) {
    err = "cnf solver steps must be > 0";
  }
  if (err.empty() && !(std::isfinite(o.kineticWeight) && o.kineticWeight >= 0.0))
    err = "cnf kinetic-energy weight must be finite and >= 0";
  if (err.empty() && !(std::isfinite(o.jacobianWeight) && o.jacobianWeight >= 0.0))
    err = "cnf Jacobian-Frobenius weight must be finite and >= 0";
  return err;
}

struct CnfSolve::Impl {
  Mlp mlp;
  CnfSolveOptions opt;
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

  Impl(const Mlp& m, const CnfSolveOptions& o) : mlp(m) { configure(o); }

  void configure(const CnfSolveOptions& o) {
    const std::string err = validateCnfSolveOptions(o);
    if (!err.empty()) throw std::invalid_argument(err);
    const MlpConfig& c = mlp.config();
    if (c.inDim != 2 || c.outDim != 2)
      throw std::invalid_argument("cnf: the velocity network must map 2-D to 2-D");
    opt = o;
    if (opt.trace == TraceEstimator::Hutchinson)
      kind = StageKind::Hutchinson;
    else
      kind = opt.jacobianWeight > 0.0 ? StageKind::ExactJacobian : StageKind::ExactDivergence;
    recorded = false;
  }

  bool wantFrobenius() const { return opt.jacobianWeight > 0.0; }

  void ensureTape(std::size_t n) {
    if (tape.size() < n) tape.resize(n);
  }

  void sizeFor(Eigen::Index b) {
    if (batch == b && e0.cols() == b) return;
    batch = b;
    e0 = MatrixF::Zero(2, b);
    e0.row(0).setOnes();
    e1 = MatrixF::Zero(2, b);
    e1.row(1).setOnes();
    zero2 = MatrixF::Zero(2, b);
    probe.resize(2, b);
    tRow.resize(b);
    xs.resize(2, b);
    xNew.resize(2, b);
    ellNew.resize(b);
    kin.resize(b);
    frob.resize(b);
    tmpRow.resize(b);
    ddiv.resize(b);
    lhat.resize(b);
  }

  void drawProbe(Rng& rng) {
    if (opt.probe == HutchinsonProbe::Gaussian) {
      rng.fillNormal(probe);
      return;
    }
    // Rademacher ±1: one random bit per entry.
    std::uint64_t bits = 0;
    int left = 0;
    for (Eigen::Index j = 0; j < probe.cols(); ++j)
      for (Eigen::Index i = 0; i < 2; ++i) {
        if (left == 0) {
          bits = rng.nextU64();
          left = 64;
        }
        probe(i, j) = (bits & 1u) ? 1.0f : -1.0f;
        bits >>= 1;
        --left;
      }
  }

  // v, div (and the Jacobian tangents) of the field at (X, t) into e.
  void evalStage(const float* theta, const Eigen::Ref<const MatrixF>& X, double t, StageEntry& e) {
    tRow.setConstant(static_cast<float>(t));
    switch (kind) {
      case StageKind::ExactDivergence:
        mlp.divergence(theta, X, tRow, e.v, e.div, e.ws0);
        return;
      case StageKind::ExactJacobian:
        mlp.jvp(theta, X, tRow, e0, e.v, e.j0, e.ws0);
        mlp.jvp(theta, X, tRow, e1, dxTmp, e.j1, e.ws1);
        e.div = e.j0.row(0) + e.j1.row(1);  // tr J = (Je₀)₀ + (Je₁)₁
        return;
      case StageKind::Hutchinson:
        mlp.jvp(theta, X, tRow, probe, e.v, e.j0, e.ws0);
        e.div = (probe.array() * e.j0.array()).colwise().sum();  // εᵀJε
        return;
    }
  }

  // Per-point ‖J‖²_F (or its Hutchinson estimate ‖Jε‖²) of an evaluated stage, into out.
  void frobeniusOf(const StageEntry& e, PointRow& out) const {
    if (kind == StageKind::ExactJacobian)
      out = e.j0.colwise().squaredNorm() + e.j1.colwise().squaredNorm();
    else
      out = e.j0.colwise().squaredNorm();
  }

  // Reverse of one stage evaluation. The scalar it differentiates is
  //   Σ_i [⟨dvIn_i, v_i⟩ + ddiv_i·div_i + cKin·‖v_i‖² + cFrob·‖J_i‖²_F];
  // grad += its θ-gradient, *dx = its x-gradient (when dx is non-null).
  void vjpStage(const float* theta, StageEntry& e, const MatrixF& dvIn, const PointRow& dd,
                float cKin, float cFrob, Eigen::Ref<ParamVec> grad, MatrixF* dx) {
    const MatrixF* dvp = &dvIn;
    if (cKin != 0.0f) {
      dv = dvIn + (2.0f * cKin) * e.v;  // ∂‖v‖²/∂v = 2v
      dvp = &dv;
    }
    switch (kind) {
      case StageKind::ExactDivergence:
        mlp.divergenceBackward(theta, *dvp, dd, grad, dx, e.ws0);
        return;
      case StageKind::ExactJacobian:
        // div = (Je₀)₀ + (Je₁)₁, ‖J‖²_F = ‖Je₀‖² + ‖Je₁‖²: cotangents on the two tangent outputs.
        dJ0 = (2.0f * cFrob) * e.j0;
        dJ0.row(0) += dd;
        dJ1 = (2.0f * cFrob) * e.j1;
        dJ1.row(1) += dd;
        mlp.jvpBackward(theta, *dvp, dJ0, grad, dx, e.ws0);
        mlp.jvpBackward(theta, zero2, dJ1, grad, dx ? &dxTmp : nullptr, e.ws1);
        if (dx) *dx += dxTmp;
        return;
      case StageKind::Hutchinson:
        // εᵀJε → ε·ddiv on Jε; ‖Jε‖² → 2Jε.
        dJ0 = probe.array().rowwise() * dd.array();
        if (cFrob != 0.0f) dJ0 += (2.0f * cFrob) * e.j0;
        mlp.jvpBackward(theta, *dvp, dJ0, grad, dx, e.ws0);
        return;
    }
  }

  // x += h·Σ_j a_j·v_j over the stages [base, base + count) into out.
  template <class Coef>
  void combine(const Points& x, double h, const Coef& a, int count, int base, Points& out) {
    out = x;
    for (int j = 0; j < count; ++j)
      if (a[j] != 0.0) out.noalias() += static_cast<float>(h * a[j]) * tape[base + j].v;
  }

  // Adds one accepted step's quadrature of ℓ, K, F (weights b over stages [base, base + n)).
  // ell == nullptr: ℓ was already advanced (Dopri5 computes it for its error estimate).
  void accumulateStep(const ButcherTableau& T, int n, int base, double h, PointRow* ell) {
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

  void forwardFixed(const float* theta, Points& x, PointRow& ell, bool taped) {
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

  void forwardDopri5(const float* theta, Points& x, PointRow& ell, bool taped) {
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
      const double d0 = std::sqrt((scaledRms2(x, x, x, atol, rtol, c) +
                                   scaledRms2(ell, ell, ell, atol, rtol, c)) / c);
      c = 0;
      const double d1 = std::sqrt((scaledRms2(k1.v, x, x, atol, rtol, c) +
                                   scaledRms2(k1.div, ell, ell, atol, rtol, c)) / c);
      const double h0 = StepControl::firstGuess(d0, d1, span);
      xs = x + static_cast<float>(dir * h0) * k1.v;
      evalStage(theta, xs, ta + dir * h0, probeEntry);
      ++stats.nfeForward;
      c = 0;
      const double d2 =
          std::sqrt((scaledRms2(probeEntry.v - k1.v, x, x, atol, rtol, c) +
                     scaledRms2(k1.div - probeEntry.div, ell, ell, atol, rtol, c)) / c) / h0;
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
      const double err = std::sqrt((scaledRms2(xs, x, xNew, atol, rtol, c) +
                                    scaledRms2(tmpRow, ell, ellNew, atol, rtol, c)) / c);
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

  void forward(const float* theta, Points& x, PointRow& ell, double a, double b, Rng* rng) {
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
  void backwardBackprop(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                        Eigen::Ref<ParamVec> grad, Points* dxStart) {
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

  // One adjoint stage at (X, A, t): KX = v into tape[s], KA = −∂(aᵀf)/∂x into ka[s],
  // gOut = ∂(aᵀf)/∂θ (overwritten).
  void adjointStage(const float* theta, const Eigen::Ref<const MatrixF>& X, const MatrixF& A,
                    double t, float cKin, float cFrob, ParamVec& gOut, StageEntry& e,
                    MatrixF& kaOut) {
    evalStage(theta, X, t, e);
    gOut.setZero();
    // aᵀf = ⟨a, v⟩ + ℓ̂·(−div) + σ ĉ_K ‖v‖² + σ ĉ_F ‖J‖²_F.
    vjpStage(theta, e, A, ddiv, cKin, cFrob, gOut, &kaOut);
    kaOut = -kaOut;
    ++stats.nfeBackward;
  }

  void backwardAdjoint(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
                       Eigen::Ref<ParamVec> grad, Points* dxStart) {
    const Eigen::Index P = mlp.paramCount();
    const double inv = 1.0 / static_cast<double>(batch);
    const double sigma = tb > ta ? 1.0 : -1.0;
    // The adjoint system is linear in (a, ℓ̄, c_K, c_F): solve it for unit-sized cotangents so
    // Dopri5's rtol/atol mean the same whatever the loss scale, then scale back.
    double scale = std::max({maxAbs(dxEnd), maxAbs(dellEnd), opt.kineticWeight * inv,
                             opt.jacobianWeight * inv});
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
  void adjointDopri5(const float* theta, Points& x, float cKin, float cFrob) {
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
    double h;
    {
      Eigen::Index c = 0;
      const double d0 = std::sqrt((scaledRms2(x, x, x, atol, rtol, c) +
                                   scaledRms2(aState, aState, aState, atol, rtol, c)) / c);
      c = 0;
      const double d1 = std::sqrt((scaledRms2(tape[0].v, x, x, atol, rtol, c) +
                                   scaledRms2(ka[0], aState, aState, atol, rtol, c)) / c);
      const double h0 = StepControl::firstGuess(d0, d1, span);
      xs = x + static_cast<float>(dir * h0) * tape[0].v;
      as = aState + static_cast<float>(dir * h0) * ka[0];
      adjointStage(theta, xs, as, t0 + dir * h0, cKin, cFrob, gTmp, probeEntry, ka[1]);
      c = 0;
      const double d2 = std::sqrt((scaledRms2(probeEntry.v - tape[0].v, x, x, atol, rtol, c) +
                                   scaledRms2(ka[1] - ka[0], aState, aState, atol, rtol, c)) / c) /
                        h0;
      h = ctl.initial(h0, d1, d2);
    }

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
      const double err = std::sqrt((scaledRms2(xs, x, xNew, atol, rtol, c) +
                                    scaledRms2(as, aState, aNew, atol, rtol, c)) / c);
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

  void backward(const float* theta, const Points& dxEnd, const PointRow& dellEnd,
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
};

CnfSolve::CnfSolve(const Mlp& mlp, const CnfSolveOptions& options)
    : impl_(std::make_unique<Impl>(mlp, options)) {}
CnfSolve::~CnfSolve() = default;
CnfSolve::CnfSolve(CnfSolve&&) noexcept = default;
CnfSolve& CnfSolve::operator=(CnfSolve&&) noexcept = default;

const CnfSolveOptions& CnfSolve::options() const { return impl_->opt; }
void CnfSolve::setOptions(const CnfSolveOptions& options) { impl_->configure(options); }

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
