// Tests of the built-in targets and the image target: normalisation, sampler vs density
// (entropy and histograms), quadrature accuracy against independent brute-force integrals,
// determinism, and the image target's contract and file loading.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#if __has_include(<stb_image_write.h>)
#include <stb_image_write.h>
#else
#include <stb/stb_image_write.h>
#endif

#include "core/targets/target_math.hpp"
#include "core/targets/targets.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::core;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Grid spacing that resolves each target's narrowest feature (≤ ~σ/2.5, where the midpoint
// rule's error on a Gaussian is ~e^−120); the checkerboard's cells are aligned with its squares.
double gridStep(const std::string& name) {
  if (name == "rings") return 0.03;
  if (name == "2spirals") return 0.04;
  if (name == "checkerboard") return 0.25;
  if (name == "8gaussians") return 0.1;
  return 0.07;
}

// Masses of a coarse cells×cells partition of bounds() by the midpoint rule on a fine grid
// aligned with it, plus a count of non-finite-or-NaN values (−∞ is allowed, +∞/NaN are not).
struct CellMasses {
  int cells = 0;
  std::vector<double> mass;  // row-major [cy·cells + cx], cy from the bottom
  double total = 0.0;
  int bad = 0;
};

CellMasses cellMasses(const Target& target, int cells) {
  const Box b = target.bounds();
  const double step = gridStep(target.name());
  const int perCell = static_cast<int>(std::ceil(std::max(b.width(), b.height()) / cells / step));
  const int n = cells * perCell;
  const double hx = b.width() / n, hy = b.height() / n;
  CellMasses out;
  out.cells = cells;
  out.mass.assign(static_cast<std::size_t>(cells) * cells, 0.0);
  Points row(2, n);
  Eigen::VectorXd lp;
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      row(0, i) = static_cast<float>(b.x0 + (i + 0.5) * hx);
      row(1, i) = static_cast<float>(b.y0 + (j + 0.5) * hy);
    }
    target.logDensity(row, lp);
    for (int i = 0; i < n; ++i) {
      if (std::isnan(lp(i)) || lp(i) == std::numeric_limits<double>::infinity()) ++out.bad;
      const double m = std::exp(lp(i)) * hx * hy;  // exp(−∞) = 0: empty cells add nothing
      out.mass[static_cast<std::size_t>(j / perCell) * cells + i / perCell] += m;
      out.total += m;
    }
  }
  return out;
}

double meanOf(const Eigen::VectorXd& v) { return v.mean(); }

double stdErrOf(const Eigen::VectorXd& v) {
  const double m = v.mean();
  return std::sqrt((v.array() - m).square().sum() / (v.size() - 1.0) / v.size());
}

std::vector<std::string> builtinNames() {
  std::vector<std::string> names;
  for (const TargetInfo& info : builtinTargets()) names.push_back(info.name);
  return names;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Special functions.

TEST_CASE("log I0 (scaled) matches the periodic trapezoid of (1/2π)∫ e^{z cos θ − z} dθ") {
  for (const double z : {0.0, 0.1, 1.0, 5.0, 14.99, 15.01, 30.0, 100.0, 700.0, 5000.0}) {
    // The integrand is periodic and analytic: the trapezoid rule converges geometrically once
    // the node count exceeds ~z.
    const int n = 40000;
    double sum = 0.0;
    for (int k = 0; k < n; ++k) sum += std::exp(z * (std::cos(2.0 * kPi * k / n) - 1.0));
    const double reference = std::log(sum / n);
    CAPTURE(z);
    CHECK(std::abs(detail::logBesselI0Scaled(z) - reference) < 1e-12);
  }
  CHECK(std::exp(detail::logBesselI0Scaled(1.0) + 1.0) == doctest::Approx(1.2660658777520082));
}

TEST_CASE("normal tails and intervals are accurate and continuous across branches") {
  CHECK(detail::logNormalTail(0.0) == doctest::Approx(std::log(0.5)));
  CHECK(std::exp(detail::logNormalTail(1.0)) == doctest::Approx(0.15865525393145707));
  CHECK(std::exp(detail::logNormalTail(-2.0)) == doctest::Approx(0.9772498680518208));
  // Both sides of the switch to the asymptotic series at 30 agree with erfc's value there.
  const double erfcAt30 = std::log(0.5 * std::erfc(30.0 / std::sqrt(2.0)));
  CHECK(detail::logNormalTail(30.0) == doctest::Approx(erfcAt30).epsilon(1e-12));
  CHECK(detail::logNormalTail(std::nextafter(30.0, 0.0)) ==
        doctest::Approx(erfcAt30).epsilon(1e-12));
  CHECK(std::isfinite(detail::logNormalTail(100.0)));
  CHECK(detail::logNormalTail(100.0) < detail::logNormalTail(99.0));
  // Φ(hi) − Φ(lo) from each branch, and symmetry Φ(b) − Φ(a) = Φ(−a) − Φ(−b).
  CHECK(std::exp(detail::logNormalInterval(-1.0, 1.0)) == doctest::Approx(0.6826894921370859));
  CHECK(detail::logNormalInterval(3.0, 4.5) ==
        doctest::Approx(detail::logNormalInterval(-4.5, -3.0)).epsilon(1e-14));
  const double direct =
      std::log(0.5 * (std::erfc(3.0 / std::sqrt(2.0)) - std::erfc(4.5 / std::sqrt(2.0))));
  CHECK(detail::logNormalInterval(3.0, 4.5) == doctest::Approx(direct).epsilon(1e-13));
  CHECK(std::isfinite(detail::logNormalInterval(60.0, 61.0)));
  CHECK(detail::logNormalInterval(1.0, 1.0) == kNegInf);
}

TEST_CASE("Gauss-Legendre rules integrate polynomials of degree 2m-1 exactly") {
  std::vector<double> x, w;
  for (int m : {1, 2, 5, 8, 12}) {
    detail::gaussLegendre(m, x, w);
    REQUIRE(x.size() == static_cast<std::size_t>(m));
    for (int deg = 0; deg <= 2 * m - 1; ++deg) {
      double sum = 0.0;
      for (int k = 0; k < m; ++k) sum += w[k] * std::pow(x[k], deg);
      const double exact = (deg % 2 == 1) ? 0.0 : 2.0 / (deg + 1.0);
      CAPTURE(m);
      CAPTURE(deg);
      CHECK(sum == doctest::Approx(exact).scale(1.0).epsilon(1e-13));
    }
    CHECK(std::is_sorted(x.begin(), x.end()));
  }
}

// ---------------------------------------------------------------------------------------------
// The table of built-in targets.

TEST_CASE("builtin target table, lookup and factory") {
  const std::vector<std::string> expected = {"8gaussians", "checkerboard", "moons",    "circles",
                                             "rings",      "swissroll",    "2spirals", "pinwheel"};
  const std::vector<double> entropies = {2.836, 3.466, 2.400, 3.270, 2.622, 2.667, 2.648, 2.322};
  const std::vector<double> floors = {0.29, 0.26, 0.14, 0.19, 0.19, 0.14, 0.17, 0.21};
  REQUIRE(builtinNames() == expected);
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const TargetInfo* info = findTargetInfo(expected[k]);
    REQUIRE(info != nullptr);
    CHECK(info == &builtinTargets()[k]);
    CHECK(info->entropy == entropies[k]);
    CHECK(info->w2Floor == floors[k]);
    CHECK_FALSE(info->description.empty());
    const auto target = makeBuiltinTarget(expected[k]);
    REQUIRE(target != nullptr);
    CHECK(target->name() == expected[k]);
    CHECK(target->bounds().valid());
  }
  CHECK(findTargetInfo("9gaussians") == nullptr);
  CHECK(makeBuiltinTarget("") == nullptr);
  CHECK(makeBuiltinTarget("Moons") == nullptr);
  CHECK_THROWS_AS(makeBuiltinTarget("moons", 0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Normalisation and sampler-vs-density agreement.

TEST_CASE("every built-in log density integrates to 1 over its bounds") {
  for (const std::string& name : builtinNames()) {
    const auto target = makeBuiltinTarget(name);
    const CellMasses grid = cellMasses(*target, 8);
    CAPTURE(name);
    CHECK(grid.bad == 0);
    CHECK(std::abs(grid.total - 1.0) < 1e-6);
    MESSAGE(name << ": grid mass − 1 = " << grid.total - 1.0);
  }
}

TEST_CASE(
    "Monte-Carlo entropy of each sampler under its log density matches the reference entropy") {
  constexpr int kSamples = 100000;
  for (const TargetInfo& info : builtinTargets()) {
    const auto target = makeBuiltinTarget(info.name);
    Rng rng(20240601);
    Points x(2, kSamples);
    target->sample(x, rng);
    Eigen::VectorXd lp;
    target->logDensity(x, lp);
    CAPTURE(info.name);
    REQUIRE(lp.size() == kSamples);
    REQUIRE(lp.allFinite());  // every sample has positive density
    const double h = -meanOf(lp), se = stdErrOf(lp);
    MESSAGE(info.name << ": MC entropy " << h << " +- " << se << " vs H = " << info.entropy);
    CHECK(std::abs(h - info.entropy) < std::max(0.02, 4.0 * se));
  }
}

TEST_CASE("2-D histogram of 200k samples matches the density's cell masses") {
  constexpr int kSamples = 200000, kCells = 8;
  for (const std::string& name : builtinNames()) {
    const auto target = makeBuiltinTarget(name);
    const CellMasses grid = cellMasses(*target, kCells);
    Rng rng(77);
    Points x(2, kSamples);
    target->sample(x, rng);
    const Box b = target->bounds();
    std::vector<double> freq(static_cast<std::size_t>(kCells) * kCells, 0.0);
    int outside = 0;
    for (int k = 0; k < kSamples; ++k) {
      const double cx = (x(0, k) - b.x0) / b.width() * kCells;
      const double cy = (x(1, k) - b.y0) / b.height() * kCells;
      if (cx < 0.0 || cy < 0.0 || cx >= kCells || cy >= kCells) {
        ++outside;
        continue;
      }
      freq[static_cast<std::size_t>(cy) * kCells + static_cast<std::size_t>(cx)] += 1.0 / kSamples;
    }
    CAPTURE(name);
    // Binomial standard error per cell; 5σ over 64 cells keeps false alarms below 1e-4.
    double worst = 0.0;
    for (std::size_t c = 0; c < freq.size(); ++c) {
      const double p = grid.mass[c];
      const double tol = 5.0 * std::sqrt(std::max(p * (1.0 - p), 1e-6) / kSamples) + 1e-5;
      worst = std::max(worst, std::abs(freq[c] - p) / tol);
    }
    CHECK(worst < 1.0);
    CHECK(outside <= 5);  // bounds() holds essentially all mass
  }
}

// ---------------------------------------------------------------------------------------------
// Quadrature accuracy.

TEST_CASE("quadrature targets agree with 8x finer quadrature where the mass is") {
  for (const std::string name : {"moons", "swissroll", "2spirals"}) {
    const auto coarse = makeBuiltinTarget(name), fine = makeBuiltinTarget(name, 8);
    const Box b = coarse->bounds();
    constexpr int n = 60;
    Points x(2, n * n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        x(0, j * n + i) = static_cast<float>(b.x0 + (i + 0.37) * b.width() / n);
        x(1, j * n + i) = static_cast<float>(b.y0 + (j + 0.61) * b.height() / n);
      }
    Eigen::VectorXd a, c;
    coarse->logDensity(x, a);
    fine->logDensity(x, c);
    const double peak = c.maxCoeff();
    double worst = 0.0;
    int counted = 0;
    for (int k = 0; k < x.cols(); ++k) {
      if (c(k) < peak - 20.0) continue;  // "meaningful mass": within e^−20 of the peak
      worst = std::max(worst, std::abs(a(k) - c(k)));
      ++counted;
    }
    CAPTURE(name);
    CHECK(counted > 200);
    CHECK(worst < 1e-4);
    MESSAGE(name << ": max |default − 8x finer| = " << worst << " nats over " << counted
                 << " points");
  }
}

namespace {

// Brute-force log densities straight from the recipes: a plain midpoint rule over the curve
// parameter with many nodes, linear-space sums, std::erfc — sharing no code with core.
double bruteMoons(double x, double y) {
  constexpr int n = 100000;
  const double s2 = 0.2 * 0.2;
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    const double s = kPi * (k + 0.5) / n;
    const double ux = 2.0 * std::cos(s) - 1.0, uy = 2.0 * std::sin(s) - 0.2;
    const double lx = 2.0 * (1.0 - std::cos(s)) - 1.0, ly = 2.0 * (0.5 - std::sin(s)) - 0.2;
    sum += std::exp(-((x - ux) * (x - ux) + (y - uy) * (y - uy)) / (2.0 * s2)) +
           std::exp(-((x - lx) * (x - lx) + (y - ly) * (y - ly)) / (2.0 * s2));
  }
  return std::log(0.5 * sum / n / (2.0 * kPi * s2));
}

double bruteSwissRoll(double x, double y) {
  constexpr int n = 100000;
  const double s2 = 0.2 * 0.2;
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    const double s = 1.5 * kPi * (1.0 + 2.0 * (k + 0.5) / n);
    const double cx = s * std::cos(s) / 5.0, cy = s * std::sin(s) / 5.0;
    sum += std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2.0 * s2));
  }
  return std::log(sum / n / (2.0 * kPi * s2));
}

double bruteTwoSpirals(double x, double y) {
  // n = 3π√U has density 2n/(3π)² on [0, 3π] (midpoint rule in n: the integrand is smooth
  // there, unlike in U where √U makes it converge slowly).
  constexpr int n = 100000;
  const double sigma = 0.1, side = 0.5 / 3.0;
  const auto boxGauss = [&](double v, double lo) {  // (Φ((v−lo)/σ) − Φ((v−lo−side)/σ))/side
    return 0.5 *
           (std::erfc(-(v - lo) / (sigma * std::sqrt(2.0))) -
            std::erfc(-(v - lo - side) / (sigma * std::sqrt(2.0)))) /
           side;
  };
  double sum = 0.0;
  for (int k = 0; k < n; ++k) {
    const double r = 3.0 * kPi * (k + 0.5) / n, weight = 2.0 * r / (9.0 * kPi * kPi);
    const double qx = -std::cos(r) * r / 3.0, qy = std::sin(r) * r / 3.0;
    sum += 0.5 * weight * boxGauss(x, qx) * boxGauss(y, qy);                  // +p
    sum += 0.5 * weight * boxGauss(x, -qx - side) * boxGauss(y, -qy - side);  // −p
  }
  return std::log(sum * 3.0 * kPi / n);
}

}  // namespace

TEST_CASE("quadrature targets agree with brute-force integrals of their recipes") {
  struct Case {
    std::string name;
    double (*brute)(double, double);
  };
  for (const Case& c : {Case{"moons", bruteMoons}, Case{"swissroll", bruteSwissRoll},
                        Case{"2spirals", bruteTwoSpirals}}) {
    const auto target = makeBuiltinTarget(c.name);
    Rng rng(5);
    Points x(2, 12);
    target->sample(x, rng);
    // Also a few points between the arms, where the density is low.
    x.col(0) << 0.0f, 0.0f;
    x.col(1) << 1.3f, -0.7f;
    x.col(2) << -2.2f, 1.9f;
    Eigen::VectorXd lp;
    target->logDensity(x, lp);
    for (int k = 0; k < x.cols(); ++k) {
      CAPTURE(c.name);
      CAPTURE(x(0, k));
      CAPTURE(x(1, k));
      CHECK(std::abs(lp(k) - c.brute(x(0, k), x(1, k))) < 1e-6);
    }
  }
}

TEST_CASE("circles and rings closed forms agree with brute-force angular integrals") {
  struct Case {
    std::string name;
    std::vector<double> radii;
    double sigma;
  };
  for (const Case& c :
       {Case{"circles", {3.0, 1.5}, 0.24}, Case{"rings", {3.0, 2.25, 1.5, 0.75}, 0.08}}) {
    const auto target = makeBuiltinTarget(c.name);
    Points x(2, 6);
    x << 0.0f, 3.05f, -1.2f, 0.5f, 2.0f, 4.0f,  //
        0.0f, 0.1f, -0.9f, 0.3f, -1.6f, 1.0f;
    Eigen::VectorXd lp;
    target->logDensity(x, lp);
    for (int k = 0; k < x.cols(); ++k) {
      // (1/K) Σ_R (1/2π) ∫ N(x; R(cos θ, sin θ), σ²I) dθ by the periodic trapezoid rule.
      constexpr int n = 20000;
      double sum = 0.0;
      for (const double r : c.radii)
        for (int i = 0; i < n; ++i) {
          const double t = 2.0 * kPi * i / n;
          const double dx = x(0, k) - r * std::cos(t), dy = x(1, k) - r * std::sin(t);
          sum += std::exp(-(dx * dx + dy * dy) / (2.0 * c.sigma * c.sigma));
        }
      const double brute = std::log(sum / n / c.radii.size() / (2.0 * kPi * c.sigma * c.sigma));
      CAPTURE(c.name);
      CAPTURE(k);
      CHECK(std::abs(lp(k) - brute) < 1e-8);
    }
  }
}

TEST_CASE("pinwheel density equals the change of variables at each sample's own preimage") {
  // Redraw pinwheel samples with their latent (k, a, b), and compare log p(x) with the term of
  // that preimage using a finite-difference Jacobian of the map. Other preimages can only add
  // to p(x), and far from the origin there are none with visible weight.
  std::mt19937_64 gen(3);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> cls(0, 4);
  const auto map = [](int k, double a, double b) {
    const double th = 2.0 * kPi * k / 5.0 + 0.25 * std::exp(a);
    return Eigen::Vector2d(2.0 * (a * std::cos(th) + b * std::sin(th)),
                           2.0 * (-a * std::sin(th) + b * std::cos(th)));
  };
  const auto target = makeBuiltinTarget("pinwheel");
  constexpr int n = 2000;
  Eigen::Matrix2Xd exactX(2, n);
  std::vector<double> terms(n);
  for (int i = 0; i < n; ++i) {
    const int k = cls(gen);
    const double a = 1.0 + 0.3 * normal(gen), b = 0.1 * normal(gen), h = 1e-6;
    exactX.col(i) = map(k, a, b);
    Eigen::Matrix2d jac;
    jac.col(0) = (map(k, a + h, b) - map(k, a - h, b)) / (2.0 * h);
    jac.col(1) = (map(k, a, b + h) - map(k, a, b - h)) / (2.0 * h);
    const double logN = -0.5 * ((a - 1.0) / 0.3) * ((a - 1.0) / 0.3) - std::log(0.3) -
                        0.5 * (b / 0.1) * (b / 0.1) - std::log(0.1) - std::log(2.0 * kPi);
    const double det = jac(0, 0) * jac(1, 1) - jac(0, 1) * jac(1, 0);
    terms[i] = std::log(0.2) + logN - std::log(std::abs(det));
  }
  const Points x = exactX.cast<float>();
  Eigen::VectorXd lp;
  target->logDensity(x, lp);
  int matched = 0, below = 0;
  for (int i = 0; i < n; ++i) {
    // float rounding of x moves the point by ~1e-7; the density's gradient is moderate.
    if (lp(i) < terms[i] - 1e-4) ++below;
    if (std::abs(lp(i) - terms[i]) < 1e-4) ++matched;
  }
  CHECK(below == 0);
  CHECK(matched > n * 9 / 10);
}

// ---------------------------------------------------------------------------------------------
// Determinism.

TEST_CASE("same seed gives the same samples, a different seed different ones") {
  for (const std::string& name : builtinNames()) {
    const auto target = makeBuiltinTarget(name);
    Points a(2, 500), b(2, 500), c(2, 500);
    Rng r1(42), r2(42), r3(43);
    target->sample(a, r1);
    target->sample(b, r2);
    target->sample(c, r3);
    CAPTURE(name);
    CHECK(a == b);
    CHECK((a - c).cwiseAbs().maxCoeff() > 0.1f);
    // The Rng advanced: the next draw differs from the first.
    target->sample(b, r2);
    CHECK_FALSE(a == b);
  }
}

// ---------------------------------------------------------------------------------------------
// Image target.

namespace {

// A 4×3 grid with zeros, over a box that is not the unit square.
ImageTarget smallImage() {
  std::vector<float> w = {4.0f, 1.5f, 0.0f, 0.25f,  // bottom row (row 0)
                          0.0f, 0.0f, 3.0f, 0.0f,   //
                          1.0f, 0.0f, 2.0f, 0.5f};  // top row
  return ImageTarget(4, 3, std::move(w), Box{-2.0, -1.0, 2.0, 2.0}, "small");
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = flowlab::testing::tempDir() / ("targets_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

TEST_CASE("image target: exact log density per cell, rows from the bottom, integrates to 1") {
  const ImageTarget t = smallImage();
  CHECK(t.width() == 4);
  CHECK(t.height() == 3);
  const double total = 12.25, cellArea = 1.0 * 1.0;  // Σ weights; cells are 1×1
  // Cell centres: column i at x = −1.5 + i, row j (from the bottom) at y = −0.5 + j.
  Points centres(2, 12);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) centres.col(j * 4 + i) << -1.5f + i, -0.5f + j;
  Eigen::VectorXd lp;
  t.logDensity(centres, lp);
  for (int k = 0; k < 12; ++k) {
    const double w = t.weights()[k];
    CAPTURE(k);
    if (w > 0.0)
      CHECK(lp(k) == doctest::Approx(std::log(w / total / cellArea)));
    else
      CHECK(lp(k) == kNegInf);
  }
  // Outside the box (and on its open top/right edges) the density is zero.
  Points outside(2, 4);
  outside << -2.01f, 0.0f, 2.0f, 0.0f,  //
      0.0f, -1.01f, 0.0f, 2.0f;
  t.logDensity(outside, lp);
  CHECK((lp.array() == kNegInf).all());

  // Midpoint integration on a grid aligned with the cells: Σ p · area = 1.
  constexpr int per = 7;
  Points grid(2, 4 * per * 3 * per);
  for (int j = 0; j < 3 * per; ++j)
    for (int i = 0; i < 4 * per; ++i)
      grid.col(j * 4 * per + i) << static_cast<float>(-2.0 + (i + 0.5) / per),
          static_cast<float>(-1.0 + (j + 0.5) / per);
  t.logDensity(grid, lp);
  CHECK(lp.array().exp().sum() / (per * per) == doctest::Approx(1.0).epsilon(1e-12));
}

TEST_CASE("image target: sample histogram matches the weights, zero cells never sampled") {
  const ImageTarget t = smallImage();
  constexpr int n = 200000;
  Points x(2, n);
  Rng rng(9);
  t.sample(x, rng);
  std::vector<int> counts(12, 0);
  int outside = 0;
  for (int k = 0; k < n; ++k) {
    const double px = x(0, k), py = x(1, k);
    if (!(px >= -2.0 && px < 2.0 && py >= -1.0 && py < 2.0)) {
      ++outside;
      continue;
    }
    const int i = static_cast<int>(std::floor(px + 2.0)),
              j = static_cast<int>(std::floor(py + 1.0));
    ++counts[j * 4 + i];
  }
  CHECK(outside == 0);
  for (int c = 0; c < 12; ++c) {
    const double p = t.weights()[c] / 12.25;
    CAPTURE(c);
    if (p == 0.0) {
      CHECK(counts[c] == 0);
    } else {
      CHECK(std::abs(counts[c] / static_cast<double>(n) - p) < 5.0 * std::sqrt(p * (1 - p) / n));
    }
  }
  Eigen::VectorXd lp;
  t.logDensity(x, lp);
  CHECK(lp.allFinite());  // float rounding never lands a sample in a zero cell
  Points y(2, n);
  Rng same(9);
  t.sample(y, same);
  CHECK(x == y);
}

TEST_CASE("image target: samples stay in their cells on a fine grid of thin cells") {
  // 1000 columns of alternating zero and positive weight: any sample rounded across a cell
  // edge would get log p = −∞.
  std::vector<float> w(1000);
  for (int i = 0; i < 1000; ++i) w[i] = (i % 2 == 0) ? 1.0f : 0.0f;
  const ImageTarget t(1000, 1, w, Box{-3.0, -1.0, 3.7, 1.0}, "stripes");
  Points x(2, 100000);
  Rng rng(11);
  t.sample(x, rng);
  Eigen::VectorXd lp;
  t.logDensity(x, lp);
  CHECK(lp.allFinite());
}

TEST_CASE("image target constructor rejects bad input") {
  const Box box{0.0, 0.0, 1.0, 1.0};
  CHECK_THROWS_AS(ImageTarget(2, 2, {1.0f, 1.0f, 1.0f}, box, "short"), std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(0, 0, {}, box, "empty"), std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {1.0f, -0.5f}, box, "negative"), std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {1.0f, std::nanf("")}, box, "nan"), std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {1.0f, std::numeric_limits<float>::infinity()}, box, "inf"),
                  std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {0.0f, 0.0f}, box, "zero"), std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {1.0f, 1.0f}, Box{0.0, 0.0, 0.0, 1.0}, "flat"),
                  std::invalid_argument);
  CHECK_THROWS_AS(ImageTarget(2, 1, {1.0f, 1.0f}, Box{1.0, 0.0, 0.0, 1.0}, "reversed"),
                  std::invalid_argument);
  CHECK_NOTHROW(ImageTarget(2, 1, {0.0f, 1.0f}, box, "ok"));
}

TEST_CASE("image target from a PNG: orientation, luminance, alpha, invert, downsampling") {
  TempDir dir;
  SUBCASE("a bright top-left pixel maps to the top-left of the box") {
    // 4×3 RGB, black except a white top-left pixel and a dim green bottom-right one.
    std::vector<unsigned char> rgb(4 * 3 * 3, 0);
    rgb[0] = rgb[1] = rgb[2] = 255;
    rgb[(2 * 4 + 3) * 3 + 1] = 102;  // G = 0.4 → luminance 0.7152·0.4
    const std::string path = dir.file("corner.png");
    REQUIRE(stbi_write_png(path.c_str(), 4, 3, 3, rgb.data(), 4 * 3) != 0);
    const auto t = ImageTarget::fromFile(path, Box{0.0, 0.0, 4.0, 3.0});
    REQUIRE(t != nullptr);
    CHECK(t->name() == "corner");
    CHECK(t->width() == 4);
    CHECK(t->height() == 3);
    CHECK(t->weights()[8] == doctest::Approx(1.0));  // the top row is the grid's last
    CHECK(t->weights()[3] == doctest::Approx(0.7152 * 0.4).epsilon(1e-6));
    Points p(2, 3);
    p << 0.5f, 0.5f, 3.5f,  //
        2.5f, 0.5f, 0.5f;   // top-left, bottom-left, bottom-right
    Eigen::VectorXd lp;
    t->logDensity(p, lp);
    const double total = 1.0 + 0.7152 * 0.4;
    CHECK(lp(0) == doctest::Approx(std::log(1.0 / total)).epsilon(1e-6));
    CHECK(lp(1) == kNegInf);
    CHECK(lp(2) == doctest::Approx(std::log(0.7152 * 0.4 / total)).epsilon(1e-6));
    Points s(2, 1000);
    Rng rng(1);
    t->sample(s, rng);
    int topLeft = 0;
    for (int k = 0; k < s.cols(); ++k) topLeft += (s(0, k) < 1.0f && s(1, k) >= 2.0f) ? 1 : 0;
    CHECK(topLeft > 700);  // expected 1/1.286 ≈ 78%
  }
  SUBCASE("alpha multiplies brightness; invert uses 1 - brightness") {
    // 2×1 RGBA: a white opaque pixel and a white transparent pixel.
    const unsigned char rgba[8] = {255, 255, 255, 255, 255, 255, 255, 0};
    const std::string path = dir.file("alpha.png");
    REQUIRE(stbi_write_png(path.c_str(), 2, 1, 4, rgba, 2 * 4) != 0);
    const auto t = ImageTarget::fromFile(path, Box{0.0, 0.0, 2.0, 1.0});
    CHECK(t->weights()[0] == doctest::Approx(1.0));
    CHECK(t->weights()[1] == 0.0f);
    // Gray + alpha, inverted: dark opaque ink gets the mass, transparent stays empty.
    const unsigned char ga[6] = {0, 255, 255, 255, 0, 0};
    const std::string inkPath = dir.file("ink.png");
    REQUIRE(stbi_write_png(inkPath.c_str(), 3, 1, 2, ga, 3 * 2) != 0);
    const auto ink = ImageTarget::fromFile(inkPath, Box{0.0, 0.0, 3.0, 1.0}, true);
    CHECK(ink->weights()[0] == doctest::Approx(1.0));
    CHECK(ink->weights()[1] == 0.0f);
    CHECK(ink->weights()[2] == 0.0f);
  }
  SUBCASE("box-average downsampling so that max(width, height) <= maxSide") {
    // 8×4 grayscale with one bright 2×2 block at the top-left and a single bright pixel at
    // the bottom-right: at maxSide 4 → 4×2, the block stays 1, the pixel averages to 1/4.
    std::vector<unsigned char> g(8 * 4, 0);
    g[0] = g[1] = g[8] = g[9] = 255;
    g[3 * 8 + 7] = 255;
    const std::string path = dir.file("big.png");
    REQUIRE(stbi_write_png(path.c_str(), 8, 4, 1, g.data(), 8) != 0);
    const auto t = ImageTarget::fromFile(path, Box{0.0, 0.0, 8.0, 4.0}, false, 4);
    REQUIRE(t->width() == 4);
    REQUIRE(t->height() == 2);
    CHECK(t->weights()[4] == doctest::Approx(1.0));   // top-left
    CHECK(t->weights()[3] == doctest::Approx(0.25));  // bottom-right
    CHECK(t->weights()[5] == 0.0f);
    // A side that does not divide evenly: 8×4 → maxSide 3 gives 3×2 (areas kept exactly).
    const auto odd = ImageTarget::fromFile(path, Box{0.0, 0.0, 8.0, 4.0}, false, 3);
    CHECK(odd->width() == 3);
    CHECK(odd->height() == 2);
    double sum = 0.0;
    for (float v : odd->weights()) sum += v;
    CHECK(sum * (8.0 / 3.0) * 2.0 == doctest::Approx(5.0));  // total brightness preserved
  }
}

TEST_CASE("image target from a bad file throws runtime_error naming the file") {
  TempDir dir;
  const auto messageOf = [](const std::string& path, Box box = Box{}) {
    try {
      ImageTarget::fromFile(path, box);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("<no exception>");
  };
  const std::string missing = dir.file("does_not_exist.png");
  CHECK(messageOf(missing).find(missing) != std::string::npos);

  const std::string garbage = dir.file("garbage.png");
  std::ofstream(garbage) << "this is not a PNG file at all";
  const std::string garbageMessage = messageOf(garbage);
  CHECK(garbageMessage.find(garbage) != std::string::npos);
  CHECK(garbageMessage.find("decode") != std::string::npos);

  const std::vector<unsigned char> black(5 * 5, 0);
  const std::string dark = dir.file("black.png");
  REQUIRE(stbi_write_png(dark.c_str(), 5, 5, 1, black.data(), 5) != 0);
  const std::string darkMessage = messageOf(dark);
  CHECK(darkMessage.find(dark) != std::string::npos);
  CHECK(darkMessage.find("black") != std::string::npos);

  const std::vector<unsigned char> white(2 * 2, 255);
  const std::string light = dir.file("white.png");
  REQUIRE(stbi_write_png(light.c_str(), 2, 2, 1, white.data(), 2) != 0);
  CHECK(messageOf(light, Box{0.0, 0.0, 0.0, 1.0}).find(light) != std::string::npos);
  CHECK_THROWS_AS(ImageTarget::fromFile(light, Box{}, false, 0), std::runtime_error);
  CHECK_NOTHROW(ImageTarget::fromFile(light, Box{}));
}

TEST_CASE("a picture whose header claims gigapixels is refused before it is decoded") {
  // A PNG signature and an IHDR chunk for 20000 x 20000 grey pixels, then IEND: 45 bytes.
  std::string png = "\x89PNG\r\n\x1a\n";
  auto be32 = [&](unsigned v) {
    for (int s = 24; s >= 0; s -= 8) png += static_cast<char>((v >> s) & 0xff);
  };
  be32(13);
  png += "IHDR";
  be32(20000);
  be32(20000);
  png += std::string("\x08\x00\x00\x00\x00", 5);
  be32(0);  // CRC (stb does not check it)
  be32(0);
  png += "IEND";
  be32(0);
  const std::string path = flowlab::testing::tempPath("bomb.png");
  std::ofstream(path, std::ios::binary) << png;
  CHECK_THROWS_WITH_AS(ImageTarget::fromFile(path, Box{}), doctest::Contains("20000 x 20000"),
                       std::runtime_error);
  std::remove(path.c_str());
}
