// test_dense_kernels.cpp: the fused dense-layer kernels against plain Eigen arithmetic, for every
// activation, every register-tile shape (1 or 2 packets of rows, 1..6 columns) and the tails —
// in every kernel set this CPU runs (generic, avx2, avx512), not only the one dispatched.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/base/rng.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/nn/mlp.hpp"
#include "tests/core/nn/activation_closed_form.hpp"

namespace {

using Eigen::Index;
using flowlab::core::Activation;
using flowlab::core::derivativesFromOutput;
using flowlab::core::KernelTable;
using flowlab::core::MatrixF;
using flowlab::core::Rng;
using flowlab::core::detail::DenseLayer;

// Runs check(table) once per kernel set the CPU runs, naming the set in failures.
template <typename Check>
void forEachKernelSet(Check&& check) {
  for (flowlab::core::KernelSet set : flowlab::core::runnableKernelSets()) {
    const std::string name(flowlab::core::kernelSetName(set));
    CAPTURE(name);
    check(flowlab::core::kernelTable(set));
  }
}

MatrixF randomMatrix(Index rows, Index cols, Rng& rng, double scale) {
  MatrixF m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = static_cast<float>(scale * rng.normal());
  return m;
}

}  // namespace

TEST_CASE("every CPU runs the generic set, the dispatched set is the widest unless forced") {
  using flowlab::core::KernelSet;
  const auto sets = flowlab::core::runnableKernelSets();
  REQUIRE_FALSE(sets.empty());
  CHECK(sets.back() == KernelSet::Generic);
  const char* forced = std::getenv("FLOWLAB_SIMD");
  const auto expected = forced != nullptr && *forced != '\0'
                            ? flowlab::core::parseKernelSet(forced)
                            : std::optional<KernelSet>(sets.front());
  CHECK(flowlab::core::activeKernelSet() == expected);
  CHECK(flowlab::core::kernelTable(KernelSet::Generic).lanes == 4);
  CHECK(flowlab::core::kernelTable(KernelSet::Avx2).lanes == 8);
  CHECK(flowlab::core::kernelTable(KernelSet::Avx512).lanes == 16);
  for (KernelSet s : {KernelSet::Generic, KernelSet::Avx2, KernelSet::Avx512}) {
    CHECK(flowlab::core::kernelTable(s).set == s);
    CHECK(flowlab::core::parseKernelSet(flowlab::core::kernelSetName(s)) == s);
  }
  CHECK_FALSE(flowlab::core::parseKernelSet("sse9"));
  CHECK_THROWS_AS(flowlab::core::selectKernelSetFrom("sse9"), std::invalid_argument);
}

TEST_CASE("the fused kernels take widths that are a multiple of the SIMD width") {
  forEachKernelSet([](const KernelTable& k) {
    CHECK(k.denseKernelTakes(64));
    CHECK(k.denseKernelTakes(32));
    CHECK(k.denseKernelTakes(k.lanes));
    CHECK_FALSE(k.denseKernelTakes(0));
    CHECK_FALSE(k.denseKernelTakes(7));
    CHECK_FALSE(k.denseKernelTakes(63));
    CHECK_FALSE(k.denseKernelTakes(k.lanes + 2));
  });
}

TEST_CASE("denseActivate and denseTangent equal σ(W·x + b), σ', σ'' and σ'⊙W·u") {
  forEachKernelSet([](const KernelTable& k) {
    Rng rng(11);
    const std::vector<Activation> activations{Activation::Tanh, Activation::SiLU, Activation::SELU,
                                              Activation::Softplus};
    // Row counts cover one packet, two packets, and two packets plus a one-packet tile (AVX2: 8,
    // 16, 24; wider SIMD simply takes fewer widths). Column counts cover every tail 1..5 after
    // 0, 1 and 2 full blocks of 6. Inner dimensions cover the first layer (2, 3) and hidden ones.
    for (Index rows : {4, 8, 12, 16, 24, 48, 64}) {
      if (!k.denseKernelTakes(rows)) continue;
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
            k.denseActivate(a, layer, x.data(), inner, n, out.data(), slope.data(), second.data());
            k.denseActivate(a, layer, x.data(), inner, n, inference.data(), nullptr, nullptr);
            MatrixF tangent(rows, n), curve(rows, n);
            k.denseTangent(linear, u.data(), inner, n, slope.data(), second.data(), tangent.data(),
                           curve.data());
            // Activations whose σ' is a function of σ(z): the same tangent from the output
            // alone, and the first layer's basis tangent (one column of W broadcast, ldIn = 0).
            const bool fromOutput = derivativesFromOutput(a);
            MatrixF tangentFromH(rows, n), basisFromH(rows, n);
            const float one = 1.0f;
            if (fromOutput) {
              k.denseTangentFromOutput(a, linear, u.data(), inner, n, out.data(),
                                       tangentFromH.data());
              k.denseTangentFromOutput(a, DenseLayer{W.data(), nullptr, rows, 1, rows}, &one, 0, n,
                                       out.data(), basisFromH.data());
            } else {
              CHECK_THROWS_AS(k.denseTangentFromOutput(a, linear, u.data(), inner, n, out.data(),
                                                       tangentFromH.data()),
                              std::invalid_argument);
            }
            double worst = 0.0;
            for (Index j = 0; j < n; ++j) {
              for (Index i = 0; i < rows; ++i) {
                double z = b(i, 0), zDot = 0.0;
                for (Index c = 0; c < inner; ++c) {
                  z += double(W(i, c)) * x(c, j);
                  zDot += double(W(i, c)) * u(c, j);
                }
                const auto [h, d, dd] = flowlab::test::activationClosedForm(a, z);
                const double tol = 1e-5 * (1.0 + std::abs(z));
                const double tolDot = tol * (1 + std::abs(zDot));
                worst = std::max(
                    {worst, std::abs(out(i, j) - h) / tol, std::abs(slope(i, j) - d) / tol,
                     std::abs(second(i, j) - dd) / tol, std::abs(tangent(i, j) - d * zDot) / tolDot,
                     std::abs(curve(i, j) - dd * zDot) / tolDot});
                // The inference pass computes the same σ(z) (up to how FMAs were contracted).
                worst = std::max(worst, std::abs(inference(i, j) - out(i, j)) / tol);
                if (fromOutput) {
                  worst = std::max({worst, std::abs(tangentFromH(i, j) - d * zDot) / tolDot,
                                    std::abs(basisFromH(i, j) - d * W(i, 0)) / tol});
                }
              }
            }
            CHECK(worst <= 1.0);
          }
        }
      }
    }
  });
}

TEST_CASE("tanh and SELU recover σ' and σ''/σ' from their output σ(z)") {
  CHECK(derivativesFromOutput(Activation::Tanh));
  CHECK(derivativesFromOutput(Activation::SELU));
  CHECK_FALSE(derivativesFromOutput(Activation::SiLU));
  CHECK_FALSE(derivativesFromOutput(Activation::Softplus));
  forEachKernelSet([](const KernelTable& k) {
    for (Activation a : {Activation::Tanh, Activation::SELU}) {
      std::vector<float> h, slope, ratio;
      std::vector<double> d, dd;
      for (double z = -12.0; z <= 12.0; z += 0.0625) {
        const auto [hz, dz, ddz] = flowlab::test::activationClosedForm(a, z);
        h.push_back(static_cast<float>(hz));
        d.push_back(dz);
        dd.push_back(ddz);
      }
      const Index n = static_cast<Index>(h.size());  // not a multiple of any packet: a tail too
      slope.resize(h.size());
      ratio.resize(h.size());
      k.slopeAndRatioFromOutput(a, h.data(), n, slope.data(), ratio.data());
      for (std::size_t i = 0; i < h.size(); ++i) {
        CAPTURE(i);
        // h is rounded to float: σ' from it is within a few float ulps of σ' (absolute).
        CHECK(std::abs(slope[i] - d[i]) <= 4e-7 * (1.0 + std::abs(d[i])));
        CHECK(std::abs(double(ratio[i]) * d[i] - dd[i]) <= 4e-7 * (1.0 + std::abs(dd[i])));
      }
    }
  });
}

TEST_CASE("a non-contiguous input (leading dimension > inner) and a strided W column block") {
  // The MLP's first-layer tangent reads the spatial columns of a wider W (ldW = rows) and an
  // input whose leading dimension is its own row count; check the strides are honoured.
  forEachKernelSet([](const KernelTable& k) {
    REQUIRE(k.denseKernelTakes(16));
    Rng rng(5);
    const Index rows = 16, fullInner = 5, inner = 2, n = 9, ldIn = 4;
    const MatrixF W = randomMatrix(rows, fullInner, rng, 0.7);
    const MatrixF input = randomMatrix(ldIn, n, rng, 1.0);  // only the first `inner` rows used
    MatrixF slope = MatrixF::Constant(rows, n, 2.0f), out(rows, n);
    const DenseLayer spatial{W.data(), nullptr, rows, inner, rows};
    k.denseTangent(spatial, input.data(), ldIn, n, slope.data(), nullptr, out.data(), nullptr);
    const MatrixF expected = 2.0f * (W.leftCols(inner) * input.topRows(inner));
    CHECK((out - expected).cwiseAbs().maxCoeff() <= 1e-5f);
  });
}

TEST_CASE("denseProduct and denseOuterAccumulate equal W·x and dW + A·Pᵀ") {
  forEachKernelSet([](const KernelTable& k) {
    Rng rng(21);
    for (Index rows : {4, 8, 16, 24, 64}) {
      if (!k.denseKernelTakes(rows)) continue;
      for (Index cols : {1, 3, 6, 7, 64}) {
        for (Index n : {1, 6, 13, 100}) {
          CAPTURE(rows);
          CAPTURE(cols);
          CAPTURE(n);
          // Product: W is rows×cols, x is cols×n.
          const MatrixF W = randomMatrix(rows, cols, rng, 1.0);
          const MatrixF x = randomMatrix(cols, n, rng, 1.0);
          MatrixF out(rows, n);
          k.denseProduct(DenseLayer{W.data(), nullptr, rows, cols, rows}, x.data(), cols, n,
                         out.data());
          const MatrixF expected = (W.cast<double>() * x.cast<double>()).cast<float>();
          CHECK((out - expected).cwiseAbs().maxCoeff() <= 1e-5f * (1.0f + cols));
          // Outer: dW (rows×cols) += A (rows×n) · Pᵀ (P is cols×n).
          const MatrixF A = randomMatrix(rows, n, rng, 1.0);
          const MatrixF P = randomMatrix(cols, n, rng, 1.0);
          const MatrixF start = randomMatrix(rows, cols, rng, 1.0);
          MatrixF dW = start;
          k.denseOuterAccumulate(A.data(), rows, rows, P.data(), cols, cols, n, dW.data(), rows);
          const MatrixF wanted =
              (start.cast<double>() + A.cast<double>() * P.cast<double>().transpose())
                  .cast<float>();
          CHECK((dW - wanted).cwiseAbs().maxCoeff() <= 1e-5f * (1.0f + n));
        }
      }
    }
  });
}

TEST_CASE("each set's FMA-peak probe measures a positive, finite rate") {
  forEachKernelSet([](const KernelTable& k) {
    const double gflops = k.fmaPeakGflops(200000);
    CHECK(std::isfinite(gflops));
    CHECK(gflops > 0.0);
  });
}
