// test_mlp.cpp: the velocity MLP's layout, activations and every derivative against finite
// differences.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/nn/mlp.hpp"
#include "tests/core/nn/activation_closed_form.hpp"

namespace {

using Eigen::Index;
using flowlab::core::Activation;
using flowlab::core::MatrixF;
using flowlab::core::Mlp;
using flowlab::core::MlpConfig;
using flowlab::core::MlpWorkspace;
using flowlab::core::ParamVec;
using flowlab::core::PointRow;
using flowlab::core::Rng;

constexpr Index kBatch = 7;

MlpConfig makeConfig(Activation a, int hidden, int layers, int fourier, bool timeInput = true,
                     int inDim = 2, int outDim = 2) {
  MlpConfig c;
  c.inDim = inDim;
  c.outDim = outDim;
  c.hidden = hidden;
  c.layers = layers;
  c.activation = a;
  c.timeInput = timeInput;
  c.fourierFrequencies = fourier;
  return c;
}

struct NamedConfig {
  std::string name;
  MlpConfig config;
};

// Square (2 → 2) networks: every activation, with and without Fourier features, depths 1–3.
std::vector<NamedConfig> squareConfigs() {
  return {
      {"tanh h8 L2", makeConfig(Activation::Tanh, 8, 2, 0)},
      {"silu h7 L3 F2", makeConfig(Activation::SiLU, 7, 3, 2)},
      {"selu h6 L1", makeConfig(Activation::SELU, 6, 1, 0)},
      {"softplus h5 L2 F2", makeConfig(Activation::Softplus, 5, 2, 2)},
      {"silu h9 L2 no time", makeConfig(Activation::SiLU, 9, 2, 0, false)},
      {"selu h4 L3 F2", makeConfig(Activation::SELU, 4, 3, 2)},
      // Widths that are a multiple of the SIMD width take the fused dense kernels (24: two- and
      // one-packet row tiles). SELU's σ' jumps at 0, so wide SELU layers are checked against
      // closed forms in test_dense_kernels instead of finite differences.
      {"silu h16 L3 F2", makeConfig(Activation::SiLU, 16, 3, 2)},
      {"tanh h24 L2", makeConfig(Activation::Tanh, 24, 2, 0)},
      {"softplus h16 L2 F1", makeConfig(Activation::Softplus, 16, 2, 1)},
      {"tanh h32 L3", makeConfig(Activation::Tanh, 32, 3, 0)},
  };
}

// Square ones plus a 3 → 1 network for the paths that allow any shape.
std::vector<NamedConfig> allConfigs() {
  auto v = squareConfigs();
  v.push_back({"tanh 3→1 h5 L2 F1", makeConfig(Activation::Tanh, 5, 2, 1, true, 3, 1)});
  return v;
}

// A network with random inputs. θ is the PyTorch initialisation scaled by 1.5 so that
// pre-activations reach the curved part of every activation.
struct Setup {
  Mlp mlp;
  ParamVec theta;
  MatrixF x, u;
  PointRow t;
  MlpWorkspace ws;

  explicit Setup(const MlpConfig& c, std::uint64_t seed = 11, Index batch = kBatch) : mlp(c) {
    Rng rng(seed);
    theta.resize(mlp.paramCount());
    mlp.initParams(theta, rng);
    theta *= 1.5f;
    x.resize(c.inDim, batch);
    rng.fillNormal(x);
    u.resize(c.inDim, batch);
    rng.fillNormal(u);
    t.resize(batch);
    rng.fillUniform(t);
  }

  MatrixF forward() {
    MatrixF y;
    mlp.forward(theta.data(), x, t, y, ws);
    return y;
  }
};

MatrixF randomLike(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  MatrixF m(rows, cols);
  rng.fillNormal(m);
  return m;
}

// Σ c ⊙ y accumulated in double, so the finite differences see only the float rounding of y.
double dot(const MatrixF& c, const MatrixF& y) {
  return (c.cast<double>().array() * y.cast<double>().array()).sum();
}

// Central differences of loss() over every entry of `v` (float storage, perturbed in place).
// The divisor is the actual float step, so rounding of v ± h does not bias the quotient.
template <typename Vec, typename Loss>
Eigen::VectorXd finiteDifferences(Vec&& v, Loss loss, float h) {
  Eigen::VectorXd g(v.size());
  for (Index i = 0; i < v.size(); ++i) {
    const float saved = v(i);
    v(i) = saved + h;
    const double hi = v(i);
    const double lp = loss();
    v(i) = saved - h;
    const double lo = v(i);
    const double lm = loss();
    v(i) = saved;
    g(i) = (lp - lm) / (hi - lo);
  }
  return g;
}

// ‖analytic − fd‖∞ ≤ tol·‖fd‖∞ (both as doubles).
void checkGradient(const Eigen::VectorXd& analytic, const Eigen::VectorXd& fd, double tol,
                   const char* what) {
  REQUIRE(analytic.size() == fd.size());
  const double scale = fd.cwiseAbs().maxCoeff();
  const double err = (analytic - fd).cwiseAbs().maxCoeff();
  INFO(what << ": max |analytic − fd| = " << err << ", max |fd| = " << scale);
  CHECK(scale > 1e-3);  // a vanishing gradient would make the comparison meaningless
  CHECK(err <= tol * scale);
}

Eigen::VectorXd flat(const MatrixF& m) {
  return Eigen::Map<const Eigen::VectorXf>(m.data(), m.size()).cast<double>();
}

// |a − ref| ≤ rel·|ref| + abs
bool near(double a, double ref, double rel, double abs) {
  return std::abs(a - ref) <= rel * std::abs(ref) + abs;
}

constexpr float kStep = 3e-3f;  // finite-difference step in float
constexpr double kTol = 1e-3;   // relative to the largest entry; observed errors are ≤ 1e-4

}  // namespace

TEST_CASE("paramCount and FLOPs follow the layer formula") {
  const Mlp peer(makeConfig(Activation::SiLU, 64, 3, 0));  // the PyTorch peer's 3×64 network
  CHECK(peer.config().inputWidth() == 3);
  CHECK(peer.paramCount() == 8706);
  CHECK(peer.forwardFlopsPerPoint() == doctest::Approx(2.0 * (3 * 64 + 2 * 64 * 64 + 64 * 2)));

  for (const auto& [name, c] : allConfigs()) {
    CAPTURE(name);
    const Index in = c.inputWidth(), h = c.hidden, out = c.outDim;
    const Index expected = (in * h + h) + (c.layers - 1) * (h * h + h) + (h * out + out);
    CHECK(Mlp(c).paramCount() == expected);
    CHECK(Mlp(c).forwardFlopsPerPoint() ==
          doctest::Approx(2.0 * (in * h + (c.layers - 1) * h * h + h * out)));
  }
  CHECK(makeConfig(Activation::Tanh, 4, 1, 3).inputWidth() == 2 + 1 + 6);
  CHECK(makeConfig(Activation::Tanh, 4, 1, 0, false).inputWidth() == 2);
}

TEST_CASE("invalid configurations throw std::invalid_argument") {
  auto bad = [](auto edit) {
    MlpConfig c = makeConfig(Activation::SiLU, 8, 2, 0);
    edit(c);
    return c;
  };
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) { c.hidden = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) { c.layers = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) { c.inDim = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) { c.outDim = 0; })), std::invalid_argument);
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) { c.fourierFrequencies = -1; })), std::invalid_argument);
  CHECK_THROWS_AS(Mlp(bad([](MlpConfig& c) {
                    c.timeInput = false;
                    c.fourierFrequencies = 2;
                  })),
                  std::invalid_argument);
  CHECK_NOTHROW(Mlp(bad([](MlpConfig&) {})));
}

TEST_CASE("activation names round-trip") {
  for (Activation a : {Activation::Tanh, Activation::SiLU, Activation::SELU, Activation::Softplus})
    CHECK(flowlab::core::parseActivation(flowlab::core::activationName(a)) == a);
  CHECK(flowlab::core::activationName(Activation::SiLU) == "silu");
  CHECK_FALSE(flowlab::core::parseActivation("relu").has_value());
}

TEST_CASE("initParams draws each layer from U(-1/sqrt(in), 1/sqrt(in)) like nn.Linear") {
  const MlpConfig c = makeConfig(Activation::SiLU, 64, 3, 2);
  const Mlp mlp(c);
  ParamVec theta(mlp.paramCount());
  Rng rng(3);
  mlp.initParams(theta, rng);

  const Index h = c.hidden;
  const std::vector<Index> ins = {c.inputWidth(), h, h, h}, outs = {h, h, h, c.outDim};
  Index offset = 0;
  for (std::size_t l = 0; l < ins.size(); ++l) {
    CAPTURE(l);
    const double bound = 1.0 / std::sqrt(static_cast<double>(ins[l]));
    const auto w = theta.segment(offset, ins[l] * outs[l]);
    const auto b = theta.segment(offset + ins[l] * outs[l], outs[l]);
    CHECK(w.cwiseAbs().maxCoeff() <= bound);
    CHECK(b.cwiseAbs().maxCoeff() <= bound);
    CHECK(w.cwiseAbs().maxCoeff() >= 0.9 * bound);  // the whole range is used
    CHECK(b.cwiseAbs().maxCoeff() > 0.0f);
    // Uniform on ±bound: mean 0 and variance bound²/3.
    const double var = w.cast<double>().squaredNorm() / static_cast<double>(w.size());
    CHECK(var == doctest::Approx(bound * bound / 3.0).epsilon(0.25));
    CHECK(std::abs(w.cast<double>().mean()) < 0.2 * bound);
    offset += ins[l] * outs[l] + outs[l];
  }
  CHECK(offset == mlp.paramCount());

  ParamVec wrong(mlp.paramCount() + 1);
  CHECK_THROWS_AS(mlp.initParams(wrong, rng), std::invalid_argument);
}

TEST_CASE("parameter layout and time features follow the header contract") {
  // 2 inputs + t + (sin, cos)(2πt) → 3 tanh units → 2 outputs; θ = [W1 (3×5), b1, W2 (2×3), b2].
  const MlpConfig c = makeConfig(Activation::Tanh, 3, 1, 1);
  const Mlp mlp(c);
  REQUIRE(mlp.paramCount() == 26);
  ParamVec theta(26);
  for (Index i = 0; i < 26; ++i) theta(i) = static_cast<float>(0.1 * std::sin(1.0 + 0.7 * i));

  MatrixF x(2, 2);
  x << 0.3f, -1.2f, 0.8f, 0.5f;
  PointRow t(2);
  t << 0.15f, 0.8f;
  MatrixF y;
  MlpWorkspace ws;
  mlp.forward(theta.data(), x, t, y, ws);

  const double twoPi = 2.0 * 3.14159265358979323846;
  for (Index j = 0; j < 2; ++j) {
    const double tj = t(j);
    const double z[5] = {x(0, j), x(1, j), tj, std::sin(twoPi * tj), std::cos(twoPi * tj)};
    double a[3];
    for (int r = 0; r < 3; ++r) {
      double s = theta(15 + r);
      for (int k = 0; k < 5; ++k) s += theta(k * 3 + r) * z[k];  // W1 column-major
      a[r] = std::tanh(s);
    }
    for (int o = 0; o < 2; ++o) {
      double s = theta(24 + o);
      for (int k = 0; k < 3; ++k) s += theta(18 + k * 2 + o) * a[k];
      CHECK(y(o, j) == doctest::Approx(s).epsilon(1e-5));
    }
  }
}

TEST_CASE("activations and their slopes match closed forms, stable at large |z|") {
  // One unit, W = 1, b = 0 both layers: y = σ(x) and, through jvp with u = 1, ẏ = σ'(x).
  const std::vector<float> zs = {-100.f, -20.f, -3.f, -0.5f, -1e-3f, 0.f, 0.3f, 2.f, 20.f, 100.f};
  for (Activation a :
       {Activation::Tanh, Activation::SiLU, Activation::SELU, Activation::Softplus}) {
    CAPTURE(flowlab::core::activationName(a));
    const Mlp mlp(makeConfig(a, 1, 1, 0, false, 1, 1));
    const ParamVec theta = (ParamVec(4) << 1.f, 0.f, 1.f, 0.f).finished();
    MatrixF x(1, static_cast<Index>(zs.size()));
    for (std::size_t i = 0; i < zs.size(); ++i) x(0, static_cast<Index>(i)) = zs[i];
    const MatrixF u = MatrixF::Ones(1, x.cols());
    const PointRow t = PointRow::Zero(x.cols());
    MatrixF y, yDot;
    MlpWorkspace ws;
    mlp.jvp(theta.data(), x, t, u, y, yDot, ws);
    for (Index i = 0; i < x.cols(); ++i) {
      CAPTURE(x(0, i));
      REQUIRE(std::isfinite(y(0, i)));
      REQUIRE(std::isfinite(yDot(0, i)));
      const auto want = flowlab::test::activationClosedForm(a, x(0, i));
      CHECK(near(y(0, i), want.h, 2e-6, 3e-7));
      CHECK(near(yDot(0, i), want.d, 2e-6, 3e-7));
    }
  }
}

TEST_CASE("a NaN input gives a NaN output for every activation") {
  for (Activation a :
       {Activation::Tanh, Activation::SiLU, Activation::SELU, Activation::Softplus}) {
    CAPTURE(flowlab::core::activationName(a));
    Setup s(makeConfig(a, 16, 2, 0));
    s.x(1, 3) = std::numeric_limits<float>::quiet_NaN();
    const MatrixF y = s.forward();
    CHECK(std::isnan(y(0, 3)));
    CHECK(std::isnan(y(1, 3)));
    CHECK(std::isfinite(y(0, 2)));
  }
}

TEST_CASE("backward: parameter and input gradients match finite differences") {
  for (const auto& [name, c] : allConfigs()) {
    CAPTURE(name);
    Setup s(c);
    const MatrixF cy = randomLike(c.outDim, kBatch, 21);
    auto loss = [&] { return dot(cy, s.forward()); };

    s.forward();
    ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
    MatrixF dx;
    s.mlp.backward(s.theta.data(), cy, grad, &dx, s.ws);
    checkGradient(grad.cast<double>(), finiteDifferences(s.theta, loss, kStep), kTol, "dL/dθ");
    checkGradient(flat(dx), finiteDifferences(s.x.reshaped(), loss, kStep), kTol, "dL/dx");

    // grad is accumulated (+=), and leaving dx out changes nothing else.
    ParamVec twice = grad;
    s.forward();
    s.mlp.backward(s.theta.data(), cy, twice, nullptr, s.ws);
    CHECK((twice - 2.0f * grad).cwiseAbs().maxCoeff() <= 1e-5f * grad.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("jvp: the output tangent is the directional derivative along u") {
  for (const auto& [name, c] : allConfigs()) {
    CAPTURE(name);
    Setup s(c);
    MatrixF y, yDot;
    s.mlp.jvp(s.theta.data(), s.x, s.t, s.u, y, yDot, s.ws);
    CHECK(y == s.forward());  // the primal of jvp is forward's output

    const MatrixF x0 = s.x;
    const double h = 1e-2;
    s.x = x0 + static_cast<float>(h) * s.u;
    const MatrixF yp = s.forward();
    s.x = x0 - static_cast<float>(h) * s.u;
    const MatrixF ym = s.forward();
    // The float step along u is (x0 ± h·u) − x0 up to rounding, small next to h.
    const Eigen::VectorXd fd = (flat(yp) - flat(ym)) / (2.0 * h);
    checkGradient(flat(yDot), fd, kTol, "ẏ");
  }
}

TEST_CASE("jvpBackward: θ and x gradients of Σc⊙y + Σd⊙ẏ match finite differences") {
  for (const auto& [name, c] : allConfigs()) {
    CAPTURE(name);
    Setup s(c);
    const MatrixF cy = randomLike(c.outDim, kBatch, 31);
    const MatrixF dd = randomLike(c.outDim, kBatch, 32);
    auto loss = [&] {
      MatrixF y, yDot;
      s.mlp.jvp(s.theta.data(), s.x, s.t, s.u, y, yDot, s.ws);
      return dot(cy, y) + dot(dd, yDot);
    };
    loss();
    ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
    MatrixF dx;
    s.mlp.jvpBackward(s.theta.data(), cy, dd, grad, &dx, s.ws);
    checkGradient(grad.cast<double>(), finiteDifferences(s.theta, loss, kStep), kTol, "dL/dθ");
    checkGradient(flat(dx), finiteDifferences(s.x.reshaped(), loss, kStep), kTol, "dL/dx");
  }
}

TEST_CASE("divergence and jacobian match the finite-difference Jacobian") {
  for (const auto& [name, c] : squareConfigs()) {
    CAPTURE(name);
    Setup s(c);
    MatrixF y, yJ, jac;
    PointRow div;
    s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, s.ws);
    CHECK(y == s.forward());
    s.mlp.jacobian(s.theta.data(), s.x, s.t, yJ, jac, s.ws);
    CHECK(yJ == y);
    REQUIRE(jac.rows() == 4);
    REQUIRE(jac.cols() == kBatch);

    // Column i of ∂f/∂x by central differences along x_i, all points at once.
    const MatrixF x0 = s.x;
    const float h = 1e-2f;
    Eigen::MatrixXd fdJac(4, kBatch);
    for (int i = 0; i < 2; ++i) {
      s.x = x0;
      s.x.row(i).array() += h;
      const Eigen::VectorXf hi = s.x.row(i).transpose();
      const MatrixF yp = s.forward();
      s.x = x0;
      s.x.row(i).array() -= h;
      const Eigen::VectorXf lo = s.x.row(i).transpose();
      const MatrixF ym = s.forward();
      for (Index j = 0; j < kBatch; ++j)
        for (int o = 0; o < 2; ++o)
          fdJac(2 * i + o, j) = (double(yp(o, j)) - ym(o, j)) / (double(hi(j)) - lo(j));
    }
    const Eigen::MatrixXd jacD = jac.cast<double>();
    const double scale = fdJac.cwiseAbs().maxCoeff();
    CHECK((jacD - fdJac).cwiseAbs().maxCoeff() <= kTol * scale);
    const Eigen::RowVectorXd fdDiv = fdJac.row(0) + fdJac.row(3);
    CHECK((div.cast<double>() - fdDiv).cwiseAbs().maxCoeff() <= kTol * scale);
  }
}

TEST_CASE("divergenceBackward: θ and x gradients of Σc⊙y + Σe⊙div match finite differences") {
  for (const auto& [name, c] : squareConfigs()) {
    CAPTURE(name);
    Setup s(c);
    const MatrixF cy = randomLike(2, kBatch, 41);
    const MatrixF e = randomLike(1, kBatch, 42);
    auto loss = [&] {
      MatrixF y;
      PointRow div;
      s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, s.ws);
      return dot(cy, y) + dot(e, div);
    };
    loss();
    ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
    MatrixF dx;
    const PointRow ddiv = e;
    s.mlp.divergenceBackward(s.theta.data(), cy, ddiv, grad, &dx, s.ws);
    checkGradient(grad.cast<double>(), finiteDifferences(s.theta, loss, kStep), kTol, "dL/dθ");
    checkGradient(flat(dx), finiteDifferences(s.x.reshaped(), loss, kStep), kTol, "dL/dx");

    // Without a divergence term it is plain backprop.
    loss();
    ParamVec viaDiv = ParamVec::Zero(s.mlp.paramCount());
    s.mlp.divergenceBackward(s.theta.data(), cy, PointRow::Zero(kBatch), viaDiv, nullptr, s.ws);
    s.forward();
    ParamVec viaBackward = ParamVec::Zero(s.mlp.paramCount());
    s.mlp.backward(s.theta.data(), cy, viaBackward, nullptr, s.ws);
    CHECK((viaDiv - viaBackward).cwiseAbs().maxCoeff() <=
          1e-5f * viaBackward.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("backward after jvp or divergence uses their primal pass") {
  Setup s(makeConfig(Activation::SiLU, 12, 3, 2));
  const MatrixF cy = randomLike(2, kBatch, 51);
  s.forward();
  ParamVec ref = ParamVec::Zero(s.mlp.paramCount());
  s.mlp.backward(s.theta.data(), cy, ref, nullptr, s.ws);

  MatrixF y, yDot;
  PointRow div;
  s.mlp.jvp(s.theta.data(), s.x, s.t, s.u, y, yDot, s.ws);
  ParamVec afterJvp = ParamVec::Zero(s.mlp.paramCount());
  s.mlp.backward(s.theta.data(), cy, afterJvp, nullptr, s.ws);
  s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, s.ws);
  ParamVec afterDiv = ParamVec::Zero(s.mlp.paramCount());
  s.mlp.backward(s.theta.data(), cy, afterDiv, nullptr, s.ws);
  CHECK(afterJvp == ref);
  CHECK(afterDiv == ref);
}

TEST_CASE("a reused workspace gives the same results as a fresh one") {
  const MlpConfig c = makeConfig(Activation::Softplus, 10, 2, 2);
  Setup s(c);
  const MatrixF cy = randomLike(2, kBatch, 61);
  const PointRow e = randomLike(1, kBatch, 62);

  auto run = [&](MlpWorkspace& ws, MatrixF& y, PointRow& div, ParamVec& grad) {
    s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, ws);
    grad.setZero(s.mlp.paramCount());
    s.mlp.divergenceBackward(s.theta.data(), cy, e, grad, nullptr, ws);
  };
  MlpWorkspace fresh;
  MatrixF y0, y1;
  PointRow d0, d1;
  ParamVec g0, g1;
  run(fresh, y0, d0, g0);

  // Put the shared workspace through other shapes and modes, then repeat.
  MlpWorkspace reused;
  Setup other(c, 99, 13);
  MatrixF tmp, tmpDot;
  s.mlp.forward(s.theta.data(), other.x, other.t, tmp, reused);
  s.mlp.jvp(s.theta.data(), s.x, s.t, s.u, tmp, tmpDot, reused);
  run(reused, y1, d1, g1);
  CHECK(y1 == y0);
  CHECK(d1 == d0);
  CHECK(g1 == g0);
  run(reused, y1, d1, g1);
  CHECK(y1 == y0);
  CHECK(d1 == d0);
  CHECK(g1 == g0);

  // A moved workspace keeps its state.
  MlpWorkspace moved(std::move(reused));
  run(moved, y1, d1, g1);
  CHECK(g1 == g0);
}

TEST_CASE("batch columns are independent") {
  for (const auto& [name, c] : squareConfigs()) {
    CAPTURE(name);
    Setup s(c);
    MatrixF y, jac;
    PointRow div;
    s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, s.ws);
    s.mlp.jacobian(s.theta.data(), s.x, s.t, y, jac, s.ws);
    const MatrixF cy = randomLike(2, kBatch, 71);
    ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
    MatrixF dx;
    s.forward();
    s.mlp.backward(s.theta.data(), cy, grad, &dx, s.ws);

    MlpWorkspace one;
    ParamVec gradSum = ParamVec::Zero(s.mlp.paramCount());
    for (Index j = 0; j < kBatch; ++j) {
      CAPTURE(j);
      MatrixF yj, jacj, dxj;
      PointRow divj;
      s.mlp.jacobian(s.theta.data(), s.x.col(j), s.t.col(j), yj, jacj, one);
      s.mlp.divergence(s.theta.data(), s.x.col(j), s.t.col(j), yj, divj, one);
      s.mlp.backward(s.theta.data(), cy.col(j), gradSum, &dxj, one);
      CHECK((yj - y.col(j)).cwiseAbs().maxCoeff() <= 1e-5f);
      CHECK((jacj - jac.col(j)).cwiseAbs().maxCoeff() <= 1e-5f);
      CHECK(std::abs(divj(0) - div(j)) <= 1e-5f);
      CHECK((dxj - dx.col(j)).cwiseAbs().maxCoeff() <= 1e-5f);
    }
    CHECK((gradSum - grad).cwiseAbs().maxCoeff() <= 1e-5f * grad.cwiseAbs().maxCoeff());
  }
}

TEST_CASE("large batches (processed in column chunks) agree with small ones") {
  // 1100 points span several internal column chunks, the last one partial.
  const MlpConfig c = makeConfig(Activation::SiLU, 16, 3, 2);
  const Index big = 1100, slice = 100;
  Setup s(c, 5, big);
  const MatrixF cy = randomLike(2, big, 81);
  const PointRow e = randomLike(1, big, 82);
  MatrixF y, yJvp, yDot, dx;
  PointRow div;
  s.mlp.jvp(s.theta.data(), s.x, s.t, s.u, yJvp, yDot, s.ws);
  s.mlp.divergence(s.theta.data(), s.x, s.t, y, div, s.ws);
  ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
  s.mlp.divergenceBackward(s.theta.data(), cy, e, grad, &dx, s.ws);

  MlpWorkspace small;
  ParamVec gradSum = ParamVec::Zero(s.mlp.paramCount());
  for (Index j0 = 0; j0 < big; j0 += slice) {
    CAPTURE(j0);
    MatrixF ys, ysJvp, ysDot, dxs;
    PointRow divs;
    const MatrixF xs = s.x.middleCols(j0, slice), us = s.u.middleCols(j0, slice);
    const PointRow ts = s.t.middleCols(j0, slice);
    s.mlp.jvp(s.theta.data(), xs, ts, us, ysJvp, ysDot, small);
    CHECK((ysDot - yDot.middleCols(j0, slice)).cwiseAbs().maxCoeff() <= 1e-5f);
    s.mlp.divergence(s.theta.data(), xs, ts, ys, divs, small);
    s.mlp.divergenceBackward(s.theta.data(), cy.middleCols(j0, slice), e.middleCols(j0, slice),
                             gradSum, &dxs, small);
    CHECK((ys - y.middleCols(j0, slice)).cwiseAbs().maxCoeff() <= 1e-5f);
    CHECK((divs - div.middleCols(j0, slice)).cwiseAbs().maxCoeff() <= 1e-5f);
    CHECK((dxs - dx.middleCols(j0, slice)).cwiseAbs().maxCoeff() <= 1e-5f);
  }
  CHECK((gradSum - grad).cwiseAbs().maxCoeff() <= 1e-4f * grad.cwiseAbs().maxCoeff());
}

TEST_CASE("evaluate and evaluateDivergence (inference) equal forward and divergence") {
  // Widths 16 (fused kernels) and 10 (general path); 1100 points span several column chunks.
  for (int hidden : {16, 10}) {
    CAPTURE(hidden);
    const MlpConfig c = makeConfig(Activation::Tanh, hidden, 3, 1);
    Setup s(c, 9, 1100);
    MatrixF yForward, yEval, yDiv, yEvalDiv;
    PointRow div, evalDiv;
    MlpWorkspace other;
    s.mlp.forward(s.theta.data(), s.x, s.t, yForward, s.ws);
    s.mlp.evaluate(s.theta.data(), s.x, s.t, yEval, other);
    CHECK((yEval - yForward).cwiseAbs().maxCoeff() <= 1e-6f);
    s.mlp.divergence(s.theta.data(), s.x, s.t, yDiv, div, s.ws);
    s.mlp.evaluateDivergence(s.theta.data(), s.x, s.t, yEvalDiv, evalDiv, other);
    CHECK((yEvalDiv - yDiv).cwiseAbs().maxCoeff() <= 1e-6f);
    CHECK((evalDiv - div).cwiseAbs().maxCoeff() <= 1e-5f);
    // Inference keeps nothing for a reverse sweep.
    ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
    CHECK_THROWS_AS(s.mlp.divergenceBackward(s.theta.data(), yDiv, div, grad, nullptr, other),
                    std::logic_error);
  }
}

TEST_CASE("misuse is reported, not silently computed") {
  Setup s(makeConfig(Activation::SiLU, 6, 2, 0));
  ParamVec grad = ParamVec::Zero(s.mlp.paramCount());
  const MatrixF dy = MatrixF::Zero(2, kBatch);
  MlpWorkspace empty;
  CHECK_THROWS_AS(s.mlp.backward(s.theta.data(), dy, grad, nullptr, empty), std::logic_error);

  s.forward();
  CHECK_THROWS_AS(s.mlp.jvpBackward(s.theta.data(), dy, dy, grad, nullptr, s.ws), std::logic_error);
  CHECK_THROWS_AS(
      s.mlp.divergenceBackward(s.theta.data(), dy, PointRow::Zero(kBatch), grad, nullptr, s.ws),
      std::logic_error);
  CHECK_THROWS_AS(s.mlp.backward(s.theta.data(), MatrixF::Zero(2, kBatch + 1), grad, nullptr, s.ws),
                  std::invalid_argument);
  ParamVec shortGrad = ParamVec::Zero(s.mlp.paramCount() - 1);
  CHECK_THROWS_AS(s.mlp.backward(s.theta.data(), dy, shortGrad, nullptr, s.ws),
                  std::invalid_argument);

  MatrixF y;
  CHECK_THROWS_AS(s.mlp.forward(s.theta.data(), MatrixF::Zero(3, kBatch), s.t, y, s.ws),
                  std::invalid_argument);
  CHECK_THROWS_AS(s.mlp.forward(s.theta.data(), s.x, PointRow::Zero(kBatch - 1), y, s.ws),
                  std::invalid_argument);

  Setup wide(makeConfig(Activation::Tanh, 4, 1, 0, true, 3, 1));
  PointRow div;
  MatrixF jac;
  CHECK_THROWS_AS(wide.mlp.divergence(wide.theta.data(), wide.x, wide.t, y, div, wide.ws),
                  std::invalid_argument);
  CHECK_THROWS_AS(wide.mlp.jacobian(wide.theta.data(), wide.x, wide.t, y, jac, wide.ws),
                  std::invalid_argument);
}
