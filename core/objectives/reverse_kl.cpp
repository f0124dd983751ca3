// Reverse KL, the "sampler" objective (Rezende & Mohamed 2015): push base samples x₀ ~ N(0, I)
// forward through the flow with their log density and minimise E[log p_θ(T(x₀)) − log q̃(T(x₀))] —
// no target samples needed, only the (unnormalised) target log density. Mode-seeking.
#include "core/objectives/reverse_kl.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "core/base/standard_normal.hpp"
#include "core/objectives/objective.hpp"
#include "core/ode/cnf_solve.hpp"

namespace flowlab::core {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double logAddExp(double a, double b) {
  if (a < b) std::swap(a, b);
  if (a == kNegInf) return kNegInf;
  return a + std::log1p(std::exp(b - a));
}

// P(a ≤ Z ≤ b) for Z ~ N(0, 1), b ≥ a, without cancellation in either tail.
double normalMass(double a, double b) {
  constexpr double r = 0.70710678118654752440;  // 1/√2
  if (a > 0.0) return 0.5 * (std::erfc(a * r) - std::erfc(b * r));
  if (b < 0.0) return 0.5 * (std::erfc(-b * r) - std::erfc(-a * r));
  return 1.0 - 0.5 * std::erfc(b * r) - 0.5 * std::erfc(-a * r);
}

double normalPdf(double z) { return 0.39894228040143267794 * std::exp(-0.5 * z * z); }

bool piecewiseConstant(const Target& target) {
  return dynamic_cast<const ImageTarget*>(&target) != nullptr || target.name() == "checkerboard";
}

}  // namespace

TargetScore::TargetScore(std::shared_ptr<const Target> target) : target_(std::move(target)) {
  if (!target_) throw std::invalid_argument("reverse KL needs a target log density");
  box_ = target_->bounds();
  if (!box_.valid()) throw std::invalid_argument("reverse KL: the target's bounds are empty");
  const double side = std::max(box_.width(), box_.height());
  cx_ = 0.5 * (box_.x0 + box_.x1);
  cy_ = 0.5 * (box_.y0 + box_.y1);
  floorVar_ = 0.25 * side * side;  // S = side / 2
  logFloorNorm_ = kLogFloor - std::log(2.0 * std::numbers::pi * floorVar_);
  step_ = kStepFraction * side;
  if (!piecewiseConstant(*target_)) return;

  // Rasterise q: mean of q over 4×4 sub-samples per cell, times the cell area = cell mass.
  kind_ = Kind::Blurred;
  sigma_ = kBlurFraction * side;
  const int n = kRaster, sub = 4;
  fine_.n = n;
  fine_.dx = box_.width() / n;
  fine_.dy = box_.height() / n;
  fine_.sigma = sigma_;
  Points pts(2, static_cast<Eigen::Index>(n) * sub * sub);
  Eigen::VectorXd lq;
  fine_.mass.assign(static_cast<std::size_t>(n) * n, 0.0);
  double total = 0.0;
  for (int j = 0; j < n; ++j) {
    Eigen::Index k = 0;
    for (int i = 0; i < n; ++i)
      for (int sj = 0; sj < sub; ++sj)
        for (int si = 0; si < sub; ++si, ++k) {
          pts(0, k) = static_cast<float>(box_.x0 + (i + (si + 0.5) / sub) * fine_.dx);
          pts(1, k) = static_cast<float>(box_.y0 + (j + (sj + 0.5) / sub) * fine_.dy);
        }
    target_->logDensity(pts, lq);
    for (int i = 0; i < n; ++i) {
      double m = 0.0;
      for (int s = 0; s < sub * sub; ++s) {
        const double l = lq(i * sub * sub + s);
        if (std::isfinite(l)) m += std::exp(l);
      }
      m *= fine_.dx * fine_.dy / (sub * sub);
      fine_.mass[static_cast<std::size_t>(j) * n + i] = m;
      total += m;
    }
  }
  if (!(total > 0.0))
    throw std::invalid_argument("reverse KL: the target has no mass inside its bounds");
  for (double& m : fine_.mass) m /= total;
  // The wide blur works on the raster coarsened 4×4 (its σ spans many fine cells anyway).
  const int c = n / 4;
  wide_.n = c;
  wide_.dx = box_.width() / c;
  wide_.dy = box_.height() / c;
  wide_.sigma = kWideBlurFraction * side;
  wide_.mass.assign(static_cast<std::size_t>(c) * c, 0.0);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i)
      wide_.mass[static_cast<std::size_t>(j / 4) * c + i / 4] +=
          fine_.mass[static_cast<std::size_t>(j) * n + i];
}

double TargetScore::logFloor(double x, double y) const {
  const double ux = x - cx_, uy = y - cy_;
  return logFloorNorm_ - 0.5 * (ux * ux + uy * uy) / floorVar_;
}

void TargetScore::evaluate(const Points& x, Eigen::VectorXd& logq, Points& score) {
  logq.resize(x.cols());
  score.resize(2, x.cols());
  if (kind_ == Kind::Smooth)
    evaluateSmooth(x, logq, score);
  else
    evaluateBlurred(x, logq, score);
  for (Eigen::Index i = 0; i < x.cols(); ++i) {
    const float n = score.col(i).norm();
    if (!std::isfinite(n))
      score.col(i).setZero();
    else if (n > static_cast<float>(kMaxScore))
      score.col(i) *= static_cast<float>(kMaxScore) / n;
  }
}

void TargetScore::evaluateSmooth(const Points& x, Eigen::VectorXd& logq, Points& score) {
  const Eigen::Index b = x.cols();
  shifted_.resize(2, 5 * b);
  const auto d = static_cast<float>(step_);
  shifted_.leftCols(b) = x;
  shifted_.middleCols(b, b) = x;
  shifted_.middleCols(b, b).row(0).array() += d;
  shifted_.middleCols(2 * b, b) = x;
  shifted_.middleCols(2 * b, b).row(0).array() -= d;
  shifted_.middleCols(3 * b, b) = x;
  shifted_.middleCols(3 * b, b).row(1).array() += d;
  shifted_.middleCols(4 * b, b) = x;
  shifted_.middleCols(4 * b, b).row(1).array() -= d;
  target_->logDensity(shifted_, lq_);
  for (Eigen::Index k = 0; k < 5 * b; ++k) {
    const double l = std::isnan(lq_(k)) ? kNegInf : lq_(k);
    lq_(k) = logAddExp(l, logFloor(shifted_(0, k), shifted_(1, k)));
  }
  // The shifted points are the float-rounded x ± δ: divide by the actual distance.
  for (Eigen::Index i = 0; i < b; ++i) {
    logq(i) = lq_(i);
    const double hx = double(shifted_(0, b + i)) - double(shifted_(0, 2 * b + i));
    const double hy = double(shifted_(1, 3 * b + i)) - double(shifted_(1, 4 * b + i));
    score(0, i) = static_cast<float>((lq_(b + i) - lq_(2 * b + i)) / hx);
    score(1, i) = static_cast<float>((lq_(3 * b + i) - lq_(4 * b + i)) / hy);
  }
}

void TargetScore::blurred(const Raster& r, double px, double py, double& q, double& qx,
                          double& qy) {
  q = qx = qy = 0.0;
  const double reach = 8.0 * r.sigma;
  // Cells whose extent comes within 8σ of the point, per axis (empty when far outside).
  const double fi0 = std::floor((px - reach - box_.x0) / r.dx),
               fi1 = std::floor((px + reach - box_.x0) / r.dx);
  const double fj0 = std::floor((py - reach - box_.y0) / r.dy),
               fj1 = std::floor((py + reach - box_.y0) / r.dy);
  if (!(fi1 >= 0.0 && fi0 < r.n && fj1 >= 0.0 && fj0 < r.n)) return;  // also catches NaN
  const int i0 = std::max(0, static_cast<int>(fi0)), i1 = std::min(r.n - 1, static_cast<int>(fi1));
  const int j0 = std::max(0, static_cast<int>(fj0)), j1 = std::min(r.n - 1, static_cast<int>(fj1));
  // Per axis: a cell's uniform density convolved with N(0, σ²) is
  // (Φ((x − a)/σ) − Φ((x − b)/σ)) / (b − a), its derivative (φ(·) − φ(·)) / (σ(b − a)).
  bx_.resize(static_cast<std::size_t>(i1 - i0 + 1));
  dbx_.resize(bx_.size());
  for (int i = i0; i <= i1; ++i) {
    const double za = (px - (box_.x0 + (i + 1) * r.dx)) / r.sigma;
    const double zb = (px - (box_.x0 + i * r.dx)) / r.sigma;
    bx_[static_cast<std::size_t>(i - i0)] = normalMass(za, zb) / r.dx;
    dbx_[static_cast<std::size_t>(i - i0)] = (normalPdf(zb) - normalPdf(za)) / (r.sigma * r.dx);
  }
  by_.resize(static_cast<std::size_t>(j1 - j0 + 1));
  dby_.resize(by_.size());
  for (int j = j0; j <= j1; ++j) {
    const double za = (py - (box_.y0 + (j + 1) * r.dy)) / r.sigma;
    const double zb = (py - (box_.y0 + j * r.dy)) / r.sigma;
    by_[static_cast<std::size_t>(j - j0)] = normalMass(za, zb) / r.dy;
    dby_[static_cast<std::size_t>(j - j0)] = (normalPdf(zb) - normalPdf(za)) / (r.sigma * r.dy);
  }
  for (int j = j0; j <= j1; ++j) {
    const double* row = &r.mass[static_cast<std::size_t>(j) * r.n];
    double sx = 0.0, gx = 0.0;
    for (int i = i0; i <= i1; ++i) {
      sx += row[i] * bx_[static_cast<std::size_t>(i - i0)];
      gx += row[i] * dbx_[static_cast<std::size_t>(i - i0)];
    }
    const double yb = by_[static_cast<std::size_t>(j - j0)];
    q += yb * sx;
    qx += yb * gx;
    qy += dby_[static_cast<std::size_t>(j - j0)] * sx;
  }
}

void TargetScore::evaluateBlurred(const Points& x, Eigen::VectorXd& logq, Points& score) {
  for (Eigen::Index p = 0; p < x.cols(); ++p) {
    const double px = x(0, p), py = x(1, p);
    double q1, q1x, q1y, q2, q2x, q2y;
    blurred(fine_, px, py, q1, q1x, q1y);
    blurred(wide_, px, py, q2, q2x, q2y);
    const double q = (1.0 - kWideWeight) * q1 + kWideWeight * q2;
    const double qx = (1.0 - kWideWeight) * q1x + kWideWeight * q2x;
    const double qy = (1.0 - kWideWeight) * q1y + kWideWeight * q2y;
    // q̃ = q + floor:  ∇ log q̃ = (∇q + floor·∇log floor) / q̃.
    const double lf = logFloor(px, py);
    const double lqs = q > 0.0 ? std::log(q) : kNegInf;
    const double l = logAddExp(lqs, lf);
    logq(p) = l;
    const double wq = q > 0.0 ? std::exp(lqs - l) : 0.0, wf = std::exp(lf - l);
    score(0, p) = static_cast<float>((q > 0.0 ? wq * qx / q : 0.0) - wf * (px - cx_) / floorVar_);
    score(1, p) = static_cast<float>((q > 0.0 ? wq * qy / q : 0.0) - wf * (py - cy_) / floorVar_);
  }
}

namespace {

class ReverseKlObjective final : public Objective {
 public:
  ReverseKlObjective(const TrainerConfig& config, std::shared_ptr<const Target> target)
      : mlp_(config.mlp),
        solve_(mlp_, config.cnf),
        score_(std::make_unique<TargetScore>(std::move(target))) {
    setBatch(config.batch);
  }

  void setBatch(int batch) override {
    if (batch < 1) throw std::invalid_argument("rkl: batch must be >= 1");
    x_.resize(2, batch);
    dx_.resize(2, batch);
    grad_.resize(2, batch);
    ell_.resize(batch);
    dell_.resize(batch);
  }

  void setTarget(std::shared_ptr<const Target> target) override {
    if (target) score_ = std::make_unique<TargetScore>(std::move(target));
  }

  double lossAndGradient(const ParamVec& theta, ParamVec& grad, Rng& rng) override {
    const Eigen::Index b = x_.cols();
    rng.fillNormal(x_);
    // ℓ(0) = log N(x₀; 0, I); the solve carries it to ℓ(1) = log p_θ(x₁) (change of variables).
    standardNormalLogDensity(x_, ell_);
    solve_.forward(theta.data(), x_, ell_, 0.0, 1.0, &rng);
    score_->evaluate(x_, logq_, grad_);
    // L = (1/B) Σ_i [ℓ_i(1) − log q̃(x_i(1))] + R  (= KL(p_θ ‖ q̃) up to q̃'s normaliser).
    double sum = 0.0;
    for (Eigen::Index i = 0; i < b; ++i) sum += static_cast<double>(ell_(i)) - logq_(i);
    const float invB = 1.0f / static_cast<float>(b);
    dx_ = -invB * grad_;  // ∂L/∂x₁ = −∇log q̃ / B
    dell_.setConstant(invB);
    grad.setZero();
    solve_.backward(theta.data(), dx_, dell_, grad);
    return sum / static_cast<double>(b) + solve_.stats().regularizer;
  }

  ObjectiveStats stats() const override {
    return {solve_.stats().nfeForward, solve_.stats().nfeBackward};
  }

 private:
  Mlp mlp_;
  CnfSolve solve_;
  std::unique_ptr<TargetScore> score_;
  Points x_, dx_, grad_;
  PointRow ell_, dell_;
  Eigen::VectorXd logq_;
};

}  // namespace

std::unique_ptr<Objective> makeReverseKlObjective(const TrainerConfig& config,
                                                  std::shared_ptr<const Target> target) {
  return std::make_unique<ReverseKlObjective>(config, std::move(target));
}

}  // namespace flowlab::core
