// The augmented CNF field of CnfSolve: one evaluation of (v, div v, Jacobian tangents) from the
// Mlp's forward modes, and its reverse (reverse-over-forward VJPs); options and buffer sizing.
#include <cstdint>

#include "core/ode/cnf_solve_impl.hpp"

namespace flowlab::core {
namespace {

void checkFinitePositive(double v, const char* what, std::string& out) {
  if (out.empty() && !(std::isfinite(v) && v > 0.0))
    out = std::string(what) + " must be finite and > 0";
}

}  // namespace

std::string validateCnfOptions(const CnfOptions& o) {
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

void CnfSolve::Impl::configure(const CnfOptions& o) {
  const std::string err = validateCnfOptions(o);
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

void CnfSolve::Impl::sizeFor(Eigen::Index b) {
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

void CnfSolve::Impl::drawProbe(Rng& rng) {
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
void CnfSolve::Impl::evalStage(const float* theta, const Eigen::Ref<const MatrixF>& X, double t,
                               StageEntry& e) {
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
void CnfSolve::Impl::frobeniusOf(const StageEntry& e, PointRow& out) const {
  if (kind == StageKind::ExactJacobian)
    out = e.j0.colwise().squaredNorm() + e.j1.colwise().squaredNorm();
  else
    out = e.j0.colwise().squaredNorm();
}

// Reverse of one stage evaluation. The scalar it differentiates is
//   Σ_i [⟨dvIn_i, v_i⟩ + ddiv_i·div_i + cKin·‖v_i‖² + cFrob·‖J_i‖²_F];
// grad += its θ-gradient, *dx = its x-gradient (when dx is non-null).
void CnfSolve::Impl::vjpStage(const float* theta, StageEntry& e, const MatrixF& dvIn,
                              const PointRow& dd, float cKin, float cFrob,
                              Eigen::Ref<ParamVec> grad, MatrixF* dx) {
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

}  // namespace flowlab::core
