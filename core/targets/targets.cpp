// The eight built-in toy densities: samplers and log densities.
#include "core/targets/targets.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/targets/curve_quadrature.hpp"
#include "core/targets/target_math.hpp"

namespace flowlab::core {

namespace {

using detail::kNegInf;
using detail::kPi;

struct Vec2 {
  double x, y;
};

double logNormalPdf(double v, double mean, double sd) {
  const double z = (v - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2.0 * kPi);
}

// Shared plumbing: a name, a box, a per-point draw and a per-point log density, both in double.
class BuiltinTarget : public Target {
 public:
  BuiltinTarget(std::string name, Box box) : name_(std::move(name)), box_(box) {}

  std::string name() const override { return name_; }
  Box bounds() const override { return box_; }

  void sample(Points& out, Rng& rng) const override {
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const Vec2 p = draw(rng);
      out(0, j) = static_cast<float>(p.x);
      out(1, j) = static_cast<float>(p.y);
    }
  }

  void logDensity(const Points& x, Eigen::VectorXd& out) const override {
    out.resize(x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j) out(j) = logDensityAt(x(0, j), x(1, j));
  }

 protected:
  virtual Vec2 draw(Rng& rng) const = 0;
  virtual double logDensityAt(double x, double y) const = 0;

 private:
  std::string name_;
  Box box_;
};

// ---------------------------------------------------------------------------------------------
// 8gaussians: (4·d_k + 0.5·ε) / 1.414, an equal mixture of 8 isotropic Gaussians.
class EightGaussians final : public BuiltinTarget {
 public:
  EightGaussians() : BuiltinTarget("8gaussians", Box{-5.0, -5.0, 5.0, 5.0}) {
    for (int k = 0; k < 8; ++k)
      centres_[k] = {kRadius * std::cos(kPi * k / 4.0), kRadius * std::sin(kPi * k / 4.0)};
  }

 protected:
  Vec2 draw(Rng& rng) const override {
    const Vec2 c = centres_[rng.below(8)];
    const double ex = rng.normal(), ey = rng.normal();
    return {c.x + kSd * ex, c.y + kSd * ey};
  }

  double logDensityAt(double x, double y) const override {
    detail::LogSumExp acc;
    for (const Vec2& c : centres_) {
      const double dx = x - c.x, dy = y - c.y;
      acc.add(-(dx * dx + dy * dy) / (2.0 * kSd * kSd));
    }
    return acc.value() - std::log(8.0 * 2.0 * kPi * kSd * kSd);
  }

 private:
  // The recipe divides by the literal 1.414 (not √2); keep it so numbers match the literature.
  static constexpr double kRadius = 4.0 / 1.414, kSd = 0.5 / 1.414;
  std::array<Vec2, 8> centres_{};
};

// ---------------------------------------------------------------------------------------------
// checkerboard: uniform on the 8 squares (side 2) of [−4, 4]² whose cell indices sum to even.
class Checkerboard final : public BuiltinTarget {
 public:
  Checkerboard() : BuiltinTarget("checkerboard", Box{-4.0, -4.0, 4.0, 4.0}) {}

  // Overridden only to keep each float coordinate inside the square its double was drawn in:
  // rounding U ≈ 1 up to a square's edge would land on an empty square (log p = −∞).
  void sample(Points& out, Rng& rng) const override {
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const Vec2 p = draw(rng);
      out(0, j) = insideCell(p.x);
      out(1, j) = insideCell(p.y);
    }
  }

 protected:
  Vec2 draw(Rng& rng) const override {
    const double a = 4.0 * rng.uniform() - 2.0;
    const double fa = std::floor(a);
    const double parity = fa - 2.0 * std::floor(0.5 * fa);  // floor(a) mod 2, in {0, 1}
    const double u = rng.uniform();  // separate statements: a fixed order of draws
    const double coin = rng.below(2);
    const double b = u - 2.0 * coin + parity;
    return {2.0 * a, 2.0 * b};
  }

  double logDensityAt(double x, double y) const override {
    if (!(x >= -4.0 && x < 4.0 && y >= -4.0 && y < 4.0)) return kNegInf;
    const long cx = std::lround(std::floor(0.5 * x)), cy = std::lround(std::floor(0.5 * y));
    return ((cx + cy) % 2 == 0) ? -std::log(32.0) : kNegInf;
  }

 private:
  // Nearest float to v in the same side-2 cell [2c, 2c + 2) as v (cell edges are exact floats).
  static float insideCell(double v) {
    const double lo = 2.0 * std::floor(0.5 * v);
    float f = static_cast<float>(v);
    if (f >= static_cast<float>(lo + 2.0))
      f = std::nextafter(static_cast<float>(lo + 2.0), -std::numeric_limits<float>::infinity());
    return std::max(f, static_cast<float>(lo));
  }
};

// ---------------------------------------------------------------------------------------------
// circles and rings: θ uniform on radii R_i (equal weights), plus isotropic noise σ. With
// ρ = |x|, p(x) = Σ_i w_i/(2πσ²) · exp(−(ρ² + R_i²)/2σ²) · I0(ρR_i/σ²); we use the scaled
// form exp(−(ρ − R)²/2σ²) · (I0(z)e^{−z}) with z = ρR/σ², which never overflows.
class NoisyCircles final : public BuiltinTarget {
 public:
  NoisyCircles(std::string name, std::vector<double> radii, double sigma, Box box)
      : BuiltinTarget(std::move(name), box), radii_(std::move(radii)), sigma_(sigma) {}

 protected:
  Vec2 draw(Rng& rng) const override {
    const double r = radii_[rng.below(static_cast<std::uint32_t>(radii_.size()))];
    const double theta = 2.0 * kPi * rng.uniform();
    const double ex = rng.normal(), ey = rng.normal();
    return {r * std::cos(theta) + sigma_ * ex, r * std::sin(theta) + sigma_ * ey};
  }

  double logDensityAt(double x, double y) const override {
    const double rho = std::hypot(x, y), s2 = sigma_ * sigma_;
    detail::LogSumExp acc;
    for (const double r : radii_)
      acc.add(-(rho - r) * (rho - r) / (2.0 * s2) + detail::logBesselI0Scaled(rho * r / s2));
    return acc.value() - std::log(static_cast<double>(radii_.size()) * 2.0 * kPi * s2);
  }

 private:
  std::vector<double> radii_;
  double sigma_;
};

// ---------------------------------------------------------------------------------------------
// Quadrature targets. Panels span ≈ kPanelSigmas kernel widths of arc length with an 8-point
// Gauss–Legendre rule each; test_targets checks the result against 8× finer rules.
constexpr double kPanelSigmas = 3.0;
constexpr int kPanelNodes = 8;

// moons: two half-circle arcs of radius 2 (s uniform on [0, π], each arc with probability ½)
// plus Gaussian noise of std 2·0.1 per axis.
class Moons final : public BuiltinTarget {
 public:
  explicit Moons(int refine)
      : BuiltinTarget("moons", Box{-4.2, -2.6, 4.2, 3.2}),
        density_(detail::CurveDensity::Kernel::Gaussian, kSigma) {
    const double panel = kPanelSigmas * kSigma / refine, logW = std::log(0.5 / kPi);
    const auto w = [logW](double) { return logW; };
    density_.addCurve(upper, w, 0.0, kPi, panel, kPanelNodes);
    density_.addCurve(lower, w, 0.0, kPi, panel, kPanelNodes);
  }

 protected:
  Vec2 draw(Rng& rng) const override {
    const bool isUpper = rng.uniform() < 0.5;
    const double s = kPi * rng.uniform();
    const detail::CurvePoint c = isUpper ? upper(s) : lower(s);
    const double ex = rng.normal(), ey = rng.normal();
    return {c.x + kSigma * ex, c.y + kSigma * ey};
  }

  double logDensityAt(double x, double y) const override { return density_.logDensity(x, y); }

 private:
  static constexpr double kSigma = 0.2;
  // 2·p + (−1, −0.2) for the two arcs p(s) of the recipe.
  static detail::CurvePoint upper(double s) {
    return {2.0 * std::cos(s) - 1.0, 2.0 * std::sin(s) - 0.2};
  }
  static detail::CurvePoint lower(double s) {
    return {2.0 * (1.0 - std::cos(s)) - 1.0, 2.0 * (0.5 - std::sin(s)) - 0.2};
  }
  detail::CurveDensity density_;
};

// swissroll: s uniform on [1.5π, 4.5π], point (s cos s, s sin s)/5 plus noise of std 1/5.
class SwissRoll final : public BuiltinTarget {
 public:
  explicit SwissRoll(int refine)
      : BuiltinTarget("swissroll", Box{-4.1, -4.1, 4.1, 4.1}),
        density_(detail::CurveDensity::Kernel::Gaussian, kSigma) {
    const double logW = -std::log(3.0 * kPi);
    density_.addCurve(
        curve, [logW](double) { return logW; }, kS0, kS1, kPanelSigmas * kSigma / refine,
        kPanelNodes);
  }

 protected:
  Vec2 draw(Rng& rng) const override {
    const double s = kS0 + (kS1 - kS0) * rng.uniform();  // = 1.5π(1 + 2U)
    const double ex = rng.normal(), ey = rng.normal();
    return {(s * std::cos(s) + ex) / 5.0, (s * std::sin(s) + ey) / 5.0};
  }

  double logDensityAt(double x, double y) const override { return density_.logDensity(x, y); }

 private:
  static constexpr double kSigma = 0.2, kS0 = 1.5 * kPi, kS1 = 4.5 * kPi;
  static detail::CurvePoint curve(double s) {
    return {s * std::cos(s) / 5.0, s * std::sin(s) / 5.0};
  }
  detail::CurveDensity density_;
};

// 2spirals: n = 3π√U (density 2n/(3π)² on [0, 3π]), q(n) = (−n cos n, n sin n), a square jitter
// 0.5·(U1, U2), a random sign, then /3 and noise 0.1·ε. Given n and the sign the point is
// uniform on a square of side 1/6 convolved with N(0, 0.01 I): a difference of normal CDFs per
// axis. The + sign's square has lower-left corner q/3, the − sign's has −q/3 − (1/6, 1/6).
class TwoSpirals final : public BuiltinTarget {
 public:
  explicit TwoSpirals(int refine)
      : BuiltinTarget("2spirals", Box{-4.0, -4.0, 4.0, 4.0}),
        density_(detail::CurveDensity::Kernel::BoxGaussian, kSigma, kSide) {
    const auto logW = [](double n) {
      return n > 0.0 ? std::log(0.5 * 2.0 * n / (9.0 * kPi * kPi)) : kNegInf;
    };
    const double panel = kPanelSigmas * kSigma / refine;
    density_.addCurve(plusCorner, logW, 0.0, kNMax, panel, kPanelNodes);
    density_.addCurve(minusCorner, logW, 0.0, kNMax, panel, kPanelNodes);
  }

 protected:
  Vec2 draw(Rng& rng) const override {
    const double n = kNMax * std::sqrt(rng.uniform());
    const double u1 = rng.uniform(), u2 = rng.uniform();
    double px = -std::cos(n) * n + 0.5 * u1, py = std::sin(n) * n + 0.5 * u2;
    if (rng.uniform() < 0.5) {
      px = -px;
      py = -py;
    }
    const double ex = rng.normal(), ey = rng.normal();
    return {px / 3.0 + kSigma * ex, py / 3.0 + kSigma * ey};
  }

  double logDensityAt(double x, double y) const override { return density_.logDensity(x, y); }

 private:
  static constexpr double kSigma = 0.1, kSide = 0.5 / 3.0, kNMax = 3.0 * kPi;
  static detail::CurvePoint plusCorner(double n) {
    return {-std::cos(n) * n / 3.0, std::sin(n) * n / 3.0};
  }
  static detail::CurvePoint minusCorner(double n) {
    return {std::cos(n) * n / 3.0 - kSide, -std::sin(n) * n / 3.0 - kSide};
  }
  detail::CurveDensity density_;
};

// ---------------------------------------------------------------------------------------------
// pinwheel: class k, a ~ N(1, 0.3²), b ~ N(0, 0.1²), θ(a) = 2πk/5 + 0.25·e^a and
// x = 2·R(−θ)·(a, b). For a point x and a class, (a, b) = R(θ(a))·x/2, so with x/2 = r(cos φ,
// sin φ): a = r cos(φ + θ(a)) (a 1-D root in a ∈ [−r, r]) and b = r sin(φ + θ(a)). The map's
// Jacobian is det ∂x/∂(a, b) = 4(1 + θ'(a)·b) with θ' = 0.25·e^a, so
// p(x) = Σ_k Σ_roots (1/5) N(a; 1, 0.3²) N(b; 0, 0.1²) / |4(1 + 0.25 e^a b)|.
class Pinwheel final : public BuiltinTarget {
 public:
  Pinwheel() : BuiltinTarget("pinwheel", Box{-6.0, -6.0, 6.0, 6.0}) {}

 protected:
  Vec2 draw(Rng& rng) const override {
    const double k = rng.below(kClasses);
    const double a = 1.0 + kSdA * rng.normal(), b = kSdB * rng.normal();
    const double theta = 2.0 * kPi * k / kClasses + kRate * std::exp(a);
    const double c = std::cos(theta), s = std::sin(theta);
    return {2.0 * (a * c + b * s), 2.0 * (-a * s + b * c)};
  }

  double logDensityAt(double x, double y) const override {
    const double r = 0.5 * std::hypot(x, y);
    if (r < 1e-300) {
      // x = 0 has the single preimage (a, b) = (0, 0) in every class, where det = 4.
      return logNormalPdf(0.0, 1.0, kSdA) + logNormalPdf(0.0, 0.0, kSdB) - std::log(4.0);
    }
    if (r > kFarRadius) {
      // Beyond |x| = 40 every preimage has a² + b² = r² > 400, so each term is below e^−2000
      // (p underflows anyway). Report a radial Gaussian tail: finite and decreasing in r.
      return logNormalPdf(r, 1.0, kSdA) + logNormalPdf(0.0, 0.0, kSdB) -
             std::log(4.0 * 2.0 * kPi * r);
    }
    const double phi = std::atan2(y, x);
    detail::LogSumExp acc;
    for (int k = 0; k < kClasses; ++k) addClassRoots(r, phi + 2.0 * kPi * k / kClasses, acc);
    return acc.value() - std::log(static_cast<double>(kClasses));
  }

 private:
  static constexpr int kClasses = 5;
  static constexpr double kSdA = 0.3, kSdB = 0.1, kRate = 0.25;
  // Roots with a outside [1 − 12σ_a, 1 + 12σ_a] weigh < e^−72 of the peak: not searched.
  static constexpr double kALo = 1.0 - 12.0 * kSdA, kAHi = 1.0 + 12.0 * kSdA;
  static constexpr double kFarRadius = 20.0;

  // log N(0; 0, σ_b²) − log 4 + log 10: with N(a; 1, σ_a²), a cap on a root's term while
  // |1 + θ'b| ≥ 0.1.
  static inline const double kLogTermCap = -std::log(kSdB * std::sqrt(2.0 * kPi)) + std::log(2.5);

  // log of one root's term (without the 1/5).
  static double rootTerm(double r, double phiK, double a) {
    const double rate = kRate * std::exp(a);  // θ'(a)
    const double b = r * std::sin(phiK + rate);
    return logNormalPdf(a, 1.0, kSdA) + logNormalPdf(b, 0.0, kSdB) -
           std::log(4.0 * std::abs(1.0 + rate * b));
  }

  // A root of g between `left` and `right`, where g(left) > 0 ≥ g(right) if leftPositive and the
  // other way round otherwise: Newton, falling back to bisection when a step leaves the bracket.
  static double refineRoot(double r, double phiK, double left, double right, bool leftPositive) {
    double lo = std::min(left, right), hi = std::max(left, right);
    const bool loPositive = (lo == left) == leftPositive;
    double a = 0.5 * (lo + hi);
    for (int iter = 0; iter < 100; ++iter) {
      const double rate = kRate * std::exp(a);
      const double ga = r * std::cos(phiK + rate) - a;
      if ((ga > 0.0) == loPositive) {
        lo = a;
      } else {
        hi = a;
      }
      const double dg = -r * std::sin(phiK + rate) * rate - 1.0;
      double next = dg != 0.0 ? a - ga / dg : 0.5 * (lo + hi);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      const bool done = std::abs(next - a) < 1e-14 * (1.0 + std::abs(a));
      a = next;
      if (done || hi - lo < 1e-14 * (1.0 + std::abs(a))) break;
    }
    return a;
  }

  // Adds the terms of every root of g(a) = r cos(φ_k + 0.25 e^a) − a in [max(−r, kALo),
  // min(r, kAHi)], found by scanning for sign changes with steps that provably hold no root,
  // or else of ≤ 0.05 rad in θ and ≤ 0.2 in a (two roots closer than that only occur near a
  // fold, 1 + θ'b = 0, which needs b ≈ −4e^−a: far outside the meaningful mass). The scan
  // ends early above the mode of a once further roots cannot matter. A class always has a
  // root in [−r, r]; if none lies in the searched range, the one found by bisection outside
  // it is added so the density stays a finite lower bound far out.
  static void addClassRoots(double r, double phiK, detail::LogSumExp& acc) {
    const double lo = std::max(-r, kALo), hi = std::min(r, kAHi);
    double a = lo, rate = kRate * std::exp(a);  // θ'(a)
    double ga = r * std::cos(phiK + rate) - a;
    const double gLo = ga;
    bool found = false;
    while (a < hi) {
      // Above the mode of a, stop once every further root must weigh < e^−30 of the largest
      // term so far (allowing the Jacobian factor 1/|1 + θ'b| up to 10; larger only within a
      // sliver around a fold curve, which lies far out anyway).
      if (a > 1.0 && logNormalPdf(a, 1.0, kSdA) + kLogTermCap < acc.max() - 30.0) return;
      // No root lies within s of a if s·L ≤ |g(a)|, where L bounds |g'| ≤ r·θ'(a)·e^s + 1 on
      // [a, a + s]; with e^s ≤ 1/(1 − s) for s ≤ guess < 1 such an s follows from a first
      // guess. Far from roots that step is the longer one.
      const double guess = std::min(0.5, std::abs(ga) / (r * rate + 1.0));
      const double safe = std::min(guess, std::abs(ga) / (r * rate / (1.0 - guess) + 1.0));
      const double step = std::max(safe, std::min(0.2, 0.05 / rate));
      const double b = std::min(hi, a + step), rateB = kRate * std::exp(b);
      const double gb = r * std::cos(phiK + rateB) - b;
      if ((ga > 0.0) != (gb > 0.0)) {
        const double root = refineRoot(r, phiK, a, b, ga > 0.0);
        acc.add(rootTerm(r, phiK, root));
        found = true;
      }
      a = b;
      ga = gb;
      rate = rateB;
    }
    if (found) return;
    // No sign change: g has one sign on the whole range, so the root lies beyond one end.
    const double root =
        gLo > 0.0 ? refineRoot(r, phiK, hi, r, true) : refineRoot(r, phiK, -r, lo, true);
    acc.add(rootTerm(r, phiK, root));
  }
};

// ---------------------------------------------------------------------------------------------

const std::vector<TargetInfo> kInfos = {
    {"8gaussians", "eight isotropic Gaussians (std 0.354) on a circle of radius 2.83", 2.836, 0.29},
    {"checkerboard", "uniform on the 8 dark squares (side 2) of a checkerboard on [-4, 4]^2", 3.466,
     0.26},
    {"moons", "two interleaved noisy half-circles (sklearn moons, scaled by 2)", 2.400, 0.14},
    {"circles", "two concentric noisy circles, radii 3 and 1.5 (noise std 0.24)", 3.270, 0.19},
    {"rings", "four concentric thin rings, radii 3, 2.25, 1.5, 0.75 (noise std 0.08)", 2.622, 0.19},
    {"swissroll", "a noisy 2-D swiss roll spiral (1.5 turns, noise std 0.2)", 2.667, 0.14},
    {"2spirals", "two interleaved noisy spirals, point-symmetric about the origin", 2.648, 0.17},
    {"pinwheel", "five curved pinwheel arms (radial std 0.6, tangential std 0.2)", 2.322, 0.21},
};

}  // namespace

const std::vector<TargetInfo>& builtinTargets() { return kInfos; }

const TargetInfo* findTargetInfo(std::string_view name) {
  for (const TargetInfo& info : kInfos)
    if (info.name == name) return &info;
  return nullptr;
}

std::shared_ptr<const Target> makeBuiltinTarget(std::string_view name) {
  return makeBuiltinTarget(name, 1);
}

std::shared_ptr<const Target> makeBuiltinTarget(std::string_view name, int quadratureRefine) {
  if (quadratureRefine < 1) throw std::invalid_argument("makeBuiltinTarget: quadratureRefine < 1");
  if (name == "8gaussians") return std::make_shared<EightGaussians>();
  if (name == "checkerboard") return std::make_shared<Checkerboard>();
  if (name == "moons") return std::make_shared<Moons>(quadratureRefine);
  if (name == "circles")
    return std::make_shared<NoisyCircles>("circles", std::vector<double>{3.0, 1.5}, 0.24,
                                          Box{-4.5, -4.5, 4.5, 4.5});
  if (name == "rings")
    return std::make_shared<NoisyCircles>("rings", std::vector<double>{3.0, 2.25, 1.5, 0.75}, 0.08,
                                          Box{-3.5, -3.5, 3.5, 3.5});
  if (name == "swissroll") return std::make_shared<SwissRoll>(quadratureRefine);
  if (name == "2spirals") return std::make_shared<TwoSpirals>(quadratureRefine);
  if (name == "pinwheel") return std::make_shared<Pinwheel>();
  return nullptr;
}

}  // namespace flowlab::core
