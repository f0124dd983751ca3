// test_dense_kernels.cpp: the fused dense-layer kernels against plain Eigen arithmetic, for every
// activation, every register-tile shape (1 or 2 packets of rows, 1..6 columns) and the tails.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/activation_kernels.hpp"
#include "core/dense_kernels.hpp"
#include "core/mlp.hpp"
#include "core/rng.hpp"
#include "tests/activation_closed_form.hpp"

namespace {

using flowlab::core::Activation;
using flowlab::core::MatrixF;
using flowlab::core::Rng;
using flowlab::core::detail::DenseLayer;
using flowlab::core::detail::denseActivate;
using flowlab::core::detail::denseOuterAccumulate;
using flowlab::core::detail::denseProduct;
using flowlab::core::detail::denseKernelTakes;
using flowlab::core::detail::denseTangent;
using flowlab::core::detail::denseTangentFromOutput;
using flowlab::core::detail::derivativesFromOutput;
using Eigen::Index;

MatrixF randomMatrix(Index rows, Index cols, Rng& rng, double scale) {
  MatrixF m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<float>(scale * rng.normal());
  return m;
}

}  // namespace

TEST_CASE("the fused kernels take widths that are a multiple of the SIMD width") {
  CHECK(denseKernelTakes(64));
  CHECK(denseKernelTakes(32));
  CHECK_FALSE(denseKernelTakes(0));
  CHECK_FALSE(denseKernelTakes(7));
  CHECK_FALSE(denseKernelTakes(63));
}

TEST_CASE("denseActivate and denseTangent equal σ(W·x + b), σ', σ'' and σ'⊙W·u") {
  Rng rng(11);
  const std::vector<Activation> activations{Activation::Tanh, Activation::SiLU, Activation::SELU,
                                            Activation::Softplus};
  // Row counts cover one packet, two packets, and two packets plus a one-packet tile (AVX2: 8,
  // 16, 24; wider SIMD simply takes fewer widths). Column counts cover every tail 1..5 after 0,
  // 1 and 2 full blocks of 6. Inner dimensions cover the first layer (2, 3) and hidden ones.
  for (Index rows : {8, 16, 24, 64}) {
    if (!denseKernelTakes(rows)) continue;
    for (Index inner : {2, 3, 64}) {
      for (Index n : {1, 5, 6, 7, 11, 12, 13, 17}) {
        const double scale = 1.5 / std::sqrt(static_cast<double>(inner));
        const MatrixF W = randomMatrix(rows, inner, rng, scale);
        const MatrixF b = randomMatrix(rows, 1, rng, 0.5);
        const MatrixF x = randomMatrix(inner, n, rng, 1.0);
        const MatrixF u = randomMatrix(inner, n, rng, 1.0);
        const DenseLayer layer{W.data(), b.data(), rows, inner, rows};
        const DenseLayer linear{W.data(), nullptr, rows, inner, rows};
        for (Activation a : activations) {
          CAPTURE(rows);
          CAPTURE(inner);
          CAPTURE(n);
          CAPTURE(static_cast<int>(a));
          MatrixF out(rows, n), slope(rows, n), second(rows, n), inference(rows, n);
          denseActivate(a, layer, x.data(), inner, n, out.data(), slope.data(), second.data());
          denseActivate(a, layer, x.data(), inner, n, inference.data(), nullptr, nullptr);
          MatrixF tangent(rows, n), curve(rows, n);
          denseTangent(linear, u.data(), inner, n, slope.data(), second.data(), tangent.data(),
                       curve.data());
          // Activations whose σ' is a function of σ(z): the same tangent from the output alone,
          // and the first layer's basis tangent (one column of W broadcast, ldIn = 0).
          const bool fromOutput = derivativesFromOutput(a);
          MatrixF tangentFromH(rows, n), basisFromH(rows, n);
          const float one = 1.0f;
          if (fromOutput) {
            denseTangentFromOutput(a, linear, u.data(), inner, n, out.data(), tangentFromH.data());
            denseTangentFromOutput(a, DenseLayer{W.data(), nullptr, rows, 1, rows}, &one, 0, n,
                                   out.data(), basisFromH.data());
          } else {
            CHECK_THROWS_AS(denseTangentFromOutput(a, linear, u.data(), inner, n, out.data(),
                                                   tangentFromH.data()),
                            std::invalid_argument);
          }
          double worst = 0.0;
          for (Index j = 0; j < n; ++j) {
            for (Index i = 0; i < rows; ++i) {
              double z = b(i, 0), zDot = 0.0;
              for (Index k = 0; k < inner; ++k) {
                z += double(W(i, k)) * x(k, j);
                zDot += double(W(i, k)) * u(k, j);
              }
              const auto [h, d, dd] = flowlab::test::activationClosedForm(a, z);
              const double tol = 1e-5 * (1.0 + std::abs(z));
              worst = std::max({worst, std::abs(out(i, j) - h) / tol,
                                std::abs(slope(i, j) - d) / tol, std::abs(second(i, j) - dd) / tol,
                                std::abs(tangent(i, j) - d * zDot) / (tol * (1 + std::abs(zDot))),
                                std::abs(curve(i, j) - dd * zDot) / (tol * (1 + std::abs(zDot)))});
              // The inference pass computes the same σ(z) (up to how FMAs were contracted).
              worst = std::max(worst, std::abs(inference(i, j) - out(i, j)) / tol);
              if (fromOutput) {
                worst = std::max({worst,
                                  std::abs(tangentFromH(i, j) - d * zDot) /
                                      (tol * (1 + std::abs(zDot))),
                                  std::abs(basisFromH(i, j) - d * W(i, 0)) / tol});
              }
            }
          }
          CHECK(worst <= 1.0);
        }
      }
    }
  }
}

TEST_CASE("tanh and SELU recover σ' and σ''/σ' from their output σ(z)") {
  namespace pk = Eigen::internal;
  using flowlab::core::detail::Packet;
  using flowlab::core::detail::SeluKernel;
  using flowlab::core::detail::TanhKernel;
  auto check = [](auto kernel, Activation a) {
    using Kernel = decltype(kernel);
    CHECK(Kernel::kFromOutput);
    CHECK(derivativesFromOutput(a));
    for (double z = -12.0; z <= 12.0; z += 0.0625) {
      CAPTURE(z);
      const auto [h, d, dd] = flowlab::test::activationClosedForm(a, z);
      const Packet hp = pk::pset1<Packet>(static_cast<float>(h));
      const double slope = pk::pfirst(Kernel::slopeFromOutput(hp));
      const double ratio = pk::pfirst(Kernel::ratioFromOutput(hp));
      // h is rounded to float: σ' from it is within a few float ulps of σ' (absolute).
      CHECK(std::abs(slope - d) <= 4e-7 * (1.0 + std::abs(d)));
      CHECK(std::abs(ratio * d - dd) <= 4e-7 * (1.0 + std::abs(dd)));
    }
  };
  check(TanhKernel{}, Activation::Tanh);
  check(SeluKernel{}, Activation::SELU);
  CHECK_FALSE(derivativesFromOutput(Activation::SiLU));
  CHECK_FALSE(derivativesFromOutput(Activation::Softplus));
}

TEST_CASE("a non-contiguous input (leading dimension > inner) and a strided W column block") {
  // The MLP's first-layer tangent reads the spatial columns of a wider W (ldW = rows) and an
  // input whose leading dimension is its own row count; check the strides are honoured.
  if (!denseKernelTakes(16)) return;
  Rng rng(5);
  const Index rows = 16, fullInner = 5, inner = 2, n = 9, ldIn = 4;
  const MatrixF W = randomMatrix(rows, fullInner, rng, 0.7);
  const MatrixF input = randomMatrix(ldIn, n, rng, 1.0);  // only the first `inner` rows are used
  MatrixF slope = MatrixF::Constant(rows, n, 2.0f), out(rows, n);
  const DenseLayer spatial{W.data(), nullptr, rows, inner, rows};
  denseTangent(spatial, input.data(), ldIn, n, slope.data(), nullptr, out.data(), nullptr);
  const MatrixF expected = 2.0f * (W.leftCols(inner) * input.topRows(inner));
  CHECK((out - expected).cwiseAbs().maxCoeff() <= 1e-5f);
}

TEST_CASE("denseProduct and denseOuterAccumulate equal W·x and dW + A·Pᵀ") {
  Rng rng(21);
  for (Index rows : {8, 16, 24, 64}) {
    if (!denseKernelTakes(rows)) continue;
    for (Index cols : {1, 3, 6, 7, 64}) {
      for (Index n : {1, 6, 13, 100}) {
        CAPTURE(rows);
        CAPTURE(cols);
        CAPTURE(n);
        // Product: W is rows×cols, x is cols×n.
        const MatrixF W = randomMatrix(rows, cols, rng, 1.0);
        const MatrixF x = randomMatrix(cols, n, rng, 1.0);
        MatrixF out(rows, n);
        denseProduct(DenseLayer{W.data(), nullptr, rows, cols, rows}, x.data(), cols, n,
                     out.data());
        const MatrixF expected = (W.cast<double>() * x.cast<double>()).cast<float>();
        CHECK((out - expected).cwiseAbs().maxCoeff() <= 1e-5f * (1.0f + cols));
        // Outer: dW (rows×cols) += A (rows×n) · Pᵀ (P is cols×n).
        const MatrixF A = randomMatrix(rows, n, rng, 1.0);
        const MatrixF P = randomMatrix(cols, n, rng, 1.0);
        const MatrixF start = randomMatrix(rows, cols, rng, 1.0);
        MatrixF dW = start;
        denseOuterAccumulate(A.data(), rows, rows, P.data(), cols, cols, n, dW.data(), rows);
        const MatrixF wanted =
            (start.cast<double>() + A.cast<double>() * P.cast<double>().transpose()).cast<float>();
        CHECK((dW - wanted).cwiseAbs().maxCoeff() <= 1e-5f * (1.0f + n));
      }
    }
  }
}
