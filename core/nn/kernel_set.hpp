// Kernel sets: the MLP's sweeps, the fused dense kernels and the FMA-peak probe compiled once per
// x86-64 ISA level — generic (SSE2, Eigen's baseline), avx2 (x86-64-v3: AVX2 + FMA) and avx512
// (x86-64-v4) — and chosen at start-up by CPUID, so that one binary runs on any x86-64 and uses
// the widest vectors the CPU has. Every build contains all three; results agree between sets up
// to float rounding (sums run in a different order), and within one set they repeat bit for bit.
//
// Each set's objects keep their inline functions (Eigen's, the standard library's) to themselves
// (core/CMakeLists.txt links them with every symbol but the set's entry point made local), so no
// AVX-512 instruction can leak into code that runs on a CPU without it.
//
// Thread affinity: selectKernelSet() once at start-up, before any thread uses an Mlp; everything
// else from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/nn/adam.hpp"
#include "core/nn/mlp.hpp"

namespace flowlab::core {

enum class KernelSet { Generic, Avx2, Avx512 };

std::string_view kernelSetName(KernelSet set);                   // "generic", "avx2", "avx512"
std::optional<KernelSet> parseKernelSet(std::string_view name);  // nullopt when unknown
// What the set needs from the CPU, in words: "SSE2", "AVX2 and FMA", "AVX-512 (F, BW, DQ, VL, CD)".
std::string_view kernelSetNeeds(KernelSet set);

// Whether this CPU (and its OS, which must save the wider registers) runs `set`.
bool cpuRuns(KernelSet set);
// Every set this CPU runs, widest first (generic always).
std::vector<KernelSet> runnableKernelSets();
// The CPU's model name from CPUID's brand string, e.g. "AMD EPYC 9R45"; "unknown x86-64" if none.
std::string cpuModelName();

// Makes `set` the one every Mlp uses from now on. Throws std::invalid_argument naming the set and
// what the CPU lacks when it cannot run it.
void selectKernelSet(KernelSet set);
// The start-up choice: `forced` is the value of FLOWLAB_SIMD (null or empty: the widest set the
// CPU runs). Throws std::invalid_argument with one line for an unknown name or a set the CPU
// cannot run.
void selectKernelSetFrom(const char* forced);
// The set in use: the one selected, else the widest the CPU runs.
KernelSet activeKernelSet();

namespace detail {

// One dense layer for the fused kernels: W is rows × cols, column-major, leading dimension ldW.
struct DenseLayer {
  const float* W;     // rows × cols, column-major, leading dimension ldW
  const float* b;     // rows, or nullptr for no bias
  Eigen::Index rows;  // outputs
  Eigen::Index cols;  // inputs (the product's inner dimension)
  Eigen::Index ldW;   // leading dimension of W (≥ rows)
};

}  // namespace detail

// The entry points of one kernel set. The MLP sweeps are Mlp's public methods after their
// argument checks (mlp.hpp gives their contracts); the dense kernels are documented in
// dense_kernels.hpp. All pure functions of their arguments and the caller-owned workspace.
struct KernelTable {
  using In = const Eigen::Ref<const MatrixF>&;
  using TimeIn = const Eigen::Ref<const PointRow>&;
  using Workspace = MlpWorkspace::Impl&;

  KernelSet set;
  int lanes;  // floats per SIMD packet: 4, 8 or 16

  void (*forward)(const MlpConfig&, const float* theta, In x, TimeIn t, MatrixF& y, Workspace);
  void (*evaluate)(const MlpConfig&, const float* theta, In x, TimeIn t, MatrixF& y, Workspace);
  void (*jvp)(const MlpConfig&, const float* theta, In x, TimeIn t, In u, MatrixF& y, MatrixF& yDot,
              Workspace);
  void (*basisForward)(const MlpConfig&, const float* theta, In x, TimeIn t, MatrixF& y,
                       PointRow* div, bool local, Workspace);
  void (*jacobian)(const MlpConfig&, const float* theta, In x, TimeIn t, MatrixF& y, MatrixF& jac,
                   Workspace);
  void (*backward)(const MlpConfig&, const float* theta, In dy, Eigen::Ref<ParamVec> grad,
                   MatrixF* dx, Workspace);
  void (*jvpBackward)(const MlpConfig&, const float* theta, In dy, In dyDot,
                      Eigen::Ref<ParamVec> grad, MatrixF* dx, Workspace);
  void (*divergenceBackward)(const MlpConfig&, const float* theta, In dy, TimeIn ddiv,
                             Eigen::Ref<ParamVec> grad, MatrixF* dx, Workspace);

  bool (*denseKernelTakes)(Eigen::Index rows);
  void (*denseActivate)(Activation, const detail::DenseLayer&, const float* in, Eigen::Index ldIn,
                        Eigen::Index n, float* out, float* slope, float* second);
  void (*denseTangent)(const detail::DenseLayer&, const float* in, Eigen::Index ldIn,
                       Eigen::Index n, const float* slope, const float* second, float* out,
                       float* curve);
  void (*denseTangentFromOutput)(Activation, const detail::DenseLayer&, const float* in,
                                 Eigen::Index ldIn, Eigen::Index n, const float* h, float* out);
  void (*denseProduct)(const detail::DenseLayer&, const float* in, Eigen::Index ldIn,
                       Eigen::Index n, float* out);
  void (*denseOuterAccumulate)(const float* adj, Eigen::Index ldAdj, Eigen::Index rows,
                               const float* prev, Eigen::Index ldPrev, Eigen::Index cols,
                               Eigen::Index n, float* dW, Eigen::Index ldDW);

  // Σ xᵢ² of n floats, accumulated in float (the gradient norm for clipping).
  double (*sumOfSquares)(const float* x, Eigen::Index n);
  // One Adam step over n parameters with the coefficients of adam.hpp.
  void (*adamUpdate)(const AdamCoefficients&, const float* grad, float* m, float* v, float* theta,
                     Eigen::Index n);

  // σ'(h) and σ''/σ'(h) from outputs h = σ(z) (n floats each), for an activation with
  // derivativesFromOutput (mlp.hpp); throws std::invalid_argument otherwise. What the tangents
  // and reverse sweeps use, exposed for tests.
  void (*slopeAndRatioFromOutput)(Activation, const float* h, Eigen::Index n, float* slope,
                                  float* ratio);

  // One core's float FMA throughput in GFLOP/s: independent chains of this set's widest FMAs,
  // `iterations` rounds each (about 2·lanes·chains·iterations FLOPs).
  double (*fmaPeakGflops)(long iterations);
};

// The table of `set` (every build has all three).
const KernelTable& kernelTable(KernelSet set);
// The table of the active set.
const KernelTable& activeKernels();

}  // namespace flowlab::core
