// One kernel set's entry point: its table of MLP sweeps and dense kernels, and its FMA-peak probe.
// Compiled once per set (kernel_set.hpp), with FLOWLAB_KERNEL_NS naming the set.
#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/nn/activation_kernels.hpp"
#include "core/nn/adam_kernel.hpp"
#include "core/nn/dense_kernels.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/nn/mlp_sweeps.hpp"

namespace flowlab::core::FLOWLAB_KERNEL_NS {

namespace {

#if defined(__AVX512F__)
constexpr KernelSet kSet = KernelSet::Avx512;
#elif defined(__AVX2__) && defined(__FMA__)
constexpr KernelSet kSet = KernelSet::Avx2;
#else
constexpr KernelSet kSet = KernelSet::Generic;
#endif

// kChains independent accumulators acc ← acc·a + b, each a dependency chain of FMAs (of a
// multiply and an add without FMA). Enough chains to keep every FMA unit busy for the whole
// latency: a CPU with p FMA pipes of latency L needs p·L in flight — 8 on Zen 3, Zen 4/5 and
// Intel's big cores (2 pipes × 4 cycles); 12 of AVX2's 16 registers and 16 of AVX-512's 32
// leave room, and more chains than needed cost nothing.
#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kChains = 16, kVecLanes = 16;
inline Vec splat(float v) { return _mm512_set1_ps(v); }
inline Vec fma(Vec acc, Vec a, Vec b) { return _mm512_fmadd_ps(acc, a, b); }
inline float first(Vec v) { return _mm512_cvtss_f32(v); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kChains = 12, kVecLanes = 8;
inline Vec splat(float v) { return _mm256_set1_ps(v); }
inline Vec fma(Vec acc, Vec a, Vec b) { return _mm256_fmadd_ps(acc, a, b); }
inline float first(Vec v) { return _mm256_cvtss_f32(v); }
#else
using Vec = __m128;
constexpr int kChains = 12, kVecLanes = 4;
inline Vec splat(float v) { return _mm_set1_ps(v); }
inline Vec fma(Vec acc, Vec a, Vec b) { return _mm_add_ps(_mm_mul_ps(acc, a), b); }
inline float first(Vec v) { return _mm_cvtss_f32(v); }
#endif

void slopeAndRatioFromOutput(Activation a, const float* h, Eigen::Index n, float* slope,
                             float* ratio) {
  if (!derivativesFromOutput(a))
    throw std::invalid_argument("slopeAndRatioFromOutput: the activation needs z, not only σ(z)");
  auto run = [&](auto kernel) {
    using Kernel = decltype(kernel);
    if constexpr (Kernel::kFromOutput) {
      for (Eigen::Index i = 0; i < n; i += kLanes) {
        // The tail goes through a padded packet, as the activation passes do.
        alignas(64) float in[kLanes] = {}, s[kLanes], r[kLanes];
        const Eigen::Index m = std::min<Eigen::Index>(kLanes, n - i);
        std::copy(h + i, h + i + m, in);
        const Packet hp = pk::pload<Packet>(in);
        pk::pstore(s, Kernel::slopeFromOutput(hp));
        pk::pstore(r, Kernel::ratioFromOutput(hp));
        std::copy(s, s + m, slope + i);
        std::copy(r, r + m, ratio + i);
      }
    }
  };
  withActivationKernel(a, run);
}

double fmaPeakGflops(long iterations) {
  const Vec a = splat(0.999999f), b = splat(1e-7f);
  Vec acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = splat(1.0f + 0.01f * static_cast<float>(k));
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = fma(acc[k], a, b);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  float sum = 0.0f;
  for (int k = 0; k < kChains; ++k) sum += first(acc[k]);
  volatile float sink = sum;  // the chains' results are used, so the loop stays
  static_cast<void>(sink);
  return 2.0 * kVecLanes * kChains * static_cast<double>(iterations) / seconds / 1e9;
}

const KernelTable kTable{
    kSet,
    kLanes,
    &forward,
    &evaluate,
    &jvp,
    &basisForward,
    &jacobian,
    &backward,
    &jvpBackward,
    &divergenceBackward,
    &denseKernelTakes,
    &denseActivate,
    &denseTangent,
    &denseTangentFromOutput,
    &denseProduct,
    &denseOuterAccumulate,
    &sumOfSquares,
    &adamUpdate,
    &slopeAndRatioFromOutput,
    &fmaPeakGflops,
};

}  // namespace

const KernelTable& kernelTable() { return kTable; }

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
