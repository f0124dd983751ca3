// curve_quadrature.cpp: node construction and pruned log-sum-exp evaluation of curve densities.
#include "core/targets/curve_quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/targets/target_math.hpp"

namespace flowlab::core::detail {

namespace {

// Terms more than this many nats below the largest are skipped: each is < 1e-10 of the sum
// and a point keeps at most a few hundred terms, so the sum loses < 1e-7 (relative).
constexpr double kSkipNats = 23.0;

// The square kernel's axis table: |t − side/2| up to 12 σ, 32 entries per σ. The interpolant's
// error is ~ step⁴·max|F''''|/384 with F'''' = O(1) in these units: ~ 3e-9 at most.
constexpr double kTableHalfWidth = 12.0;
constexpr int kTablePerSigma = 32;

double speed(const std::function<CurvePoint(double)>& curve, double s) {
  const double h = 1e-6 * (1.0 + std::abs(s));
  const CurvePoint a = curve(s - h), b = curve(s + h);
  return std::hypot(b.x - a.x, b.y - a.y) / (2.0 * h);
}

// Distance from v to the interval [lo, hi] (0 inside).
double gap(double v, double lo, double hi) { return std::max({lo - v, v - hi, 0.0}); }

}  // namespace

CurveDensity::CurveDensity(Kernel kernel, double sigma, double side)
    : kernel_(kernel),
      sigma_(sigma),
      side_(kernel == Kernel::BoxGaussian ? side : 0.0),
      inv2s2_(0.5 / (sigma * sigma)) {
  if (!(sigma > 0.0) || (kernel == Kernel::BoxGaussian && !(side > 0.0)))
    throw std::invalid_argument("CurveDensity: kernel widths must be positive");
  logNorm_ =
      kernel == Kernel::Gaussian ? -std::log(2.0 * kPi * sigma * sigma) : -2.0 * std::log(side);
  if (kernel != Kernel::BoxGaussian) return;
  // F(z) = log(Φ(z) − Φ(z − ℓ)) with ℓ = side/σ is even about z = ℓ/2; tabulate F and F' on
  // d = z − ℓ/2 ≥ 0. F'(z) = (φ(z) − φ(z − ℓ)) / e^F, each ratio taken in log space.
  const double ell = side / sigma, logSqrt2Pi = 0.5 * std::log(2.0 * kPi);
  const int count = static_cast<int>(kTableHalfWidth * kTablePerSigma) + 2;
  tableStep_ = 1.0 / kTablePerSigma;
  tableValue_.resize(count);
  tableSlope_.resize(count);
  for (int k = 0; k < count; ++k) {
    const double z = 0.5 * ell + k * tableStep_;
    const double f = logNormalInterval(z - ell, z);
    tableValue_[k] = f;
    tableSlope_[k] = std::exp(-0.5 * z * z - logSqrt2Pi - f) -
                     std::exp(-0.5 * (z - ell) * (z - ell) - logSqrt2Pi - f);
  }
}

double CurveDensity::logAxisFactor(double t) const {
  const double ell = side_ / sigma_, z = t / sigma_;
  const double d = std::abs(z - 0.5 * ell);
  const double pos = d / tableStep_;
  const auto k = static_cast<std::size_t>(pos);
  if (k + 1 >= tableValue_.size()) return logNormalInterval(z - ell, z);
  // Cubic Hermite on [k, k+1] in d; F is even in d, so the slope is in d's direction too.
  const double u = pos - static_cast<double>(k), u2 = u * u, u3 = u2 * u;
  const double h00 = 2.0 * u3 - 3.0 * u2 + 1.0, h10 = u3 - 2.0 * u2 + u;
  const double h01 = -2.0 * u3 + 3.0 * u2, h11 = u3 - u2;
  return h00 * tableValue_[k] + h10 * tableStep_ * tableSlope_[k] + h01 * tableValue_[k + 1] +
         h11 * tableStep_ * tableSlope_[k + 1];
}

void CurveDensity::addCurve(const std::function<CurvePoint(double)>& curve,
                            const std::function<double(double)>& logW, double s0, double s1,
                            double panelLength, int m) {
  std::vector<double> gx, gw;
  gaussLegendre(m, gx, gw);
  double a = s0;
  while (a < s1) {
    // Step by arc length ≈ panelLength, using the larger speed of the two ends so a panel
    // never spans much more than panelLength where the curve accelerates.
    double step = panelLength / std::max(speed(curve, a), 1e-12);
    step = panelLength / std::max({speed(curve, a), speed(curve, std::min(a + step, s1)), 1e-12});
    double b = std::min(s1, a + step);
    if (s1 - b < 0.25 * step) b = s1;  // no sliver panel at the end
    const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
    Chunk chunk{kInf, kInf, -kInf, -kInf, kNegInf, static_cast<int>(nodes_.size()), 0};
    for (int k = 0; k < m; ++k) {
      const double s = mid + half * gx[k];
      const double lw = logW(s);
      if (lw == kNegInf) continue;
      const CurvePoint c = curve(s);
      nodes_.push_back({c.x, c.y, lw + std::log(half * gw[k])});
      chunk.x0 = std::min(chunk.x0, c.x);
      chunk.y0 = std::min(chunk.y0, c.y);
      chunk.x1 = std::max(chunk.x1, c.x + side_);
      chunk.y1 = std::max(chunk.y1, c.y + side_);
      chunk.maxLogWeight = std::max(chunk.maxLogWeight, nodes_.back().logWeight);
    }
    chunk.end = static_cast<int>(nodes_.size());
    if (chunk.end > chunk.begin) chunks_.push_back(chunk);
    a = b;
  }
}

// Upper bounds of log terms (without logNorm_): the Gaussian factor is exp(−gap²/2σ²) at the
// gap to the kernel's centre (or square); for the square, per axis Φ(u) − Φ(v) ≤ Q(gap/σ) ≤
// exp(−gap²/2σ²), and ≤ 1 inside.
double CurveDensity::chunkBound(const Chunk& c, double x, double y) const {
  const double gx = gap(x, c.x0, c.x1), gy = gap(y, c.y0, c.y1);
  return c.maxLogWeight - (gx * gx + gy * gy) * inv2s2_;
}

double CurveDensity::nodeBound(const Node& n, double x, double y) const {
  const double gx = gap(x, n.x, n.x + side_), gy = gap(y, n.y, n.y + side_);
  return n.logWeight - (gx * gx + gy * gy) * inv2s2_;
}

double CurveDensity::nodeTerm(const Node& n, double x, double y) const {
  if (kernel_ == Kernel::Gaussian) return nodeBound(n, x, y);  // exact for the Gaussian
  return n.logWeight + logAxisFactor(x - n.x) + logAxisFactor(y - n.y);
}

double CurveDensity::logDensity(double x, double y) const {
  if (chunks_.empty()) return kNegInf;
  // Seed with the terms of the panel of largest bound, then visit only the panels and nodes
  // whose bounds come within kSkipNats of the largest term so far.
  std::size_t best = 0;
  double bestBound = kNegInf;
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    const double b = chunkBound(chunks_[c], x, y);
    if (b > bestBound) {
      bestBound = b;
      best = c;
    }
  }
  double seed = kNegInf;
  int seedIndex = chunks_[best].begin;
  for (int i = chunks_[best].begin; i < chunks_[best].end; ++i) {
    const double t = nodeTerm(nodes_[i], x, y);
    if (t > seed) {
      seed = t;
      seedIndex = i;
    }
  }

  LogSumExp acc;
  acc.add(seed);
  for (const Chunk& chunk : chunks_) {
    if (chunkBound(chunk, x, y) < acc.max() - kSkipNats) continue;
    for (int i = chunk.begin; i < chunk.end; ++i) {
      if (i == seedIndex || nodeBound(nodes_[i], x, y) < acc.max() - kSkipNats) continue;
      acc.add(nodeTerm(nodes_[i], x, y));
    }
  }
  return acc.value() + logNorm_;
}

}  // namespace flowlab::core::detail
