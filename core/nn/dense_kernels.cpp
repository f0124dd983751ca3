// Register-blocked dense layers with fused epilogues (see dense_kernels.hpp).
//
// A tile holds R packets of rows × C columns of accumulators (R ≤ 2, C ≤ 6: 12 of AVX2's 16
// registers). For each k of the inner dimension it loads R packets of W's column k and
// broadcasts C entries of the input, then issues R·C FMAs: 8 loads per 12 FMAs, so the FMA units
// — not the loads — set the pace. Columns are the outer loop, so one block of 6 input columns
// stays in L1 while every row tile of W passes over it. Epilogues (bias, activation, the
// tangent's σ' scaling) run on the tile right after its products, while it is still in L1.
#include "core/nn/dense_kernels.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/nn/activation_kernels.hpp"

namespace flowlab::core::FLOWLAB_KERNEL_NS {

namespace {

using Eigen::Index;
constexpr int kColumns = 6;  // columns per register tile

// acc[r][c] += Σ_k W[r0 + r·lanes …, k] · in(c, k), where in(c, k) = in[c·strideC + k·strideK].
template <int R, int C>
EIGEN_ALWAYS_INLINE void accumulate(Packet (&acc)[R][C], const DenseLayer& L, Index r0,
                                    const float* in, Index strideC, Index strideK) {
  const float* w = L.W + r0;
#pragma GCC unroll 2
  for (Index k = 0; k < L.cols; ++k, w += L.ldW, in += strideK) {
    Packet wk[R];
    for (int r = 0; r < R; ++r) wk[r] = pk::ploadu<Packet>(w + r * kLanes);
    for (int c = 0; c < C; ++c) {
      const Packet a = pk::pset1<Packet>(in[c * strideC]);
      for (int r = 0; r < R; ++r) acc[r][c] = pk::pmadd(wk[r], a, acc[r][c]);
    }
  }
}

// acc = the same sum from zero (no bias).
template <int R, int C>
EIGEN_ALWAYS_INLINE void product(Packet (&acc)[R][C], const DenseLayer& L, Index r0,
                                 const float* in, Index strideC, Index strideK) {
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = pk::pset1<Packet>(0.0f);
  accumulate<R, C>(acc, L, r0, in, strideC, strideK);
}

template <typename Kernel, int R, int C, bool kSlope, bool kSecond>
EIGEN_ALWAYS_INLINE void activateTile(const DenseLayer& L, Index r0, const float* in, Index ldIn,
                                      float* out, float* slope, float* second) {
  Packet acc[R][C];
  for (int r = 0; r < R; ++r) {
    const Packet b = L.b ? pk::ploadu<Packet>(L.b + r0 + r * kLanes) : pk::pset1<Packet>(0.0f);
    for (int c = 0; c < C; ++c) acc[r][c] = b;
  }
  accumulate<R, C>(acc, L, r0, in, ldIn, 1);
  // z goes to memory first and σ runs packet by packet from L1: with all R·C accumulators live,
  // an activation's temporaries would spill registers inside the epilogue.
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) pk::pstoreu(out + c * L.rows + r0 + r * kLanes, acc[r][c]);
#pragma GCC unroll 1
  for (int i = 0; i < R * C; ++i) {
    const Index at = (i / R) * L.rows + r0 + (i % R) * kLanes;
    Packet h, d, dd;
    Kernel::eval(pk::ploadu<Packet>(out + at), h, d, dd);
    pk::pstoreu(out + at, h);
    if constexpr (kSlope) pk::pstoreu(slope + at, d);
    if constexpr (kSecond) pk::pstoreu(second + at, dd);
  }
}

template <int R, int C>
EIGEN_ALWAYS_INLINE void tangentTile(const DenseLayer& L, Index r0, const float* in, Index ldIn,
                                     const float* slope, const float* second, float* out,
                                     float* curve) {
  Packet acc[R][C];
  product<R, C>(acc, L, r0, in, ldIn, 1);
  for (int c = 0; c < C; ++c) {
    for (int r = 0; r < R; ++r) {
      const Index at = c * L.rows + r0 + r * kLanes;
      pk::pstoreu(out + at, pk::pmul(pk::ploadu<Packet>(slope + at), acc[r][c]));
      if (curve) pk::pstoreu(curve + at, pk::pmul(pk::ploadu<Packet>(second + at), acc[r][c]));
    }
  }
}

// The same tangent for an activation that recovers σ' from its output (Kernel::kFromOutput):
// out = σ'(h) ⊙ ż with h the primal's output (rows×n) — nothing but h is read.
template <typename Kernel, int R, int C>
EIGEN_ALWAYS_INLINE void tangentFromOutputTile(const DenseLayer& L, Index r0, const float* in,
                                               Index ldIn, const float* h, float* out) {
  Packet acc[R][C];
  product<R, C>(acc, L, r0, in, ldIn, 1);
  for (int c = 0; c < C; ++c) {
    for (int r = 0; r < R; ++r) {
      const Index at = c * L.rows + r0 + r * kLanes;
      pk::pstoreu(out + at,
                  pk::pmul(Kernel::slopeFromOutput(pk::ploadu<Packet>(h + at)), acc[r][c]));
    }
  }
}

template <int R, int C>
EIGEN_ALWAYS_INLINE void productTile(const DenseLayer& L, Index r0, const float* in, Index ldIn,
                                     float* out) {
  Packet acc[R][C];
  product<R, C>(acc, L, r0, in, ldIn, 1);
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) pk::pstoreu(out + c * L.rows + r0 + r * kLanes, acc[r][c]);
}

// dW[:, c0 + c] += Σ_j adj[:, j] · prev(c0 + c, j): the layer's A is the adjoint (rows × n,
// "cols" = n), the input is prevᵀ read with strides (1, ldPrev).
template <int R, int C>
EIGEN_ALWAYS_INLINE void outerTile(const DenseLayer& adj, Index r0, const float* prev, Index ldPrev,
                                   float* dW, Index ldDW) {
  Packet acc[R][C];
  product<R, C>(acc, adj, r0, prev, 1, ldPrev);
  for (int c = 0; c < C; ++c) {
    for (int r = 0; r < R; ++r) {
      float* at = dW + c * ldDW + r0 + r * kLanes;
      pk::pstoreu(at, pk::padd(pk::ploadu<Packet>(at), acc[r][c]));
    }
  }
}

// Every row tile (two packets, then one) of a block of C columns.
template <int C, typename Tile>
EIGEN_ALWAYS_INLINE void overRows(Index rows, Tile&& tile) {
  Index r0 = 0;
  for (; r0 + 2 * kLanes <= rows; r0 += 2 * kLanes) tile.template operator()<2, C>(r0);
  if (r0 < rows) tile.template operator()<1, C>(r0);
}

// Calls block.template operator()<C>(j) for full blocks of kColumns columns, then once for the
// remaining 1..5 columns.
template <typename Block>
void overColumns(Index n, Block&& block) {
  Index j = 0;
  for (; j + kColumns <= n; j += kColumns) block.template operator()<kColumns>(j);
  switch (n - j) {
    case 1:
      return block.template operator()<1>(j);
    case 2:
      return block.template operator()<2>(j);
    case 3:
      return block.template operator()<3>(j);
    case 4:
      return block.template operator()<4>(j);
    case 5:
      return block.template operator()<5>(j);
    default:
      return;
  }
}

// Software prefetch of [begin, end) into L1, a few cache lines per call, so that the next block
// of a product's input arrives from L3 while the current block is still being multiplied (an
// input cached many stages ago, as the reverse sweep reads, is long gone from L2).
class Prefetcher {
 public:
  void aim(const float* begin, const float* end) {
    at_ = reinterpret_cast<const char*>(begin);
    end_ = reinterpret_cast<const char*>(end);
  }
  void some(int lines) {
    for (int i = 0; i < lines && at_ < end_; ++i, at_ += 64) __builtin_prefetch(at_, 0, 3);
  }
  // The same for lines about to be written: fetched for ownership ahead of the stores.
  void someForWrite(int lines) {
    for (int i = 0; i < lines && at_ < end_; ++i, at_ += 64) __builtin_prefetch(at_, 1, 3);
  }
  // Lines per call that cover `floats` floats in `calls` calls.
  static int spread(Index floats, Index calls) {
    return static_cast<int>((floats * 4 / 64 + calls) / std::max<Index>(1, calls));
  }

 private:
  const char* at_ = nullptr;
  const char* end_ = nullptr;
};

// Every register tile of a layer with `rows` outputs on n columns, block of kColumns columns by
// block: tile.template operator()<R, C>(j, r0). While a block runs, the output columns of the
// block kAhead blocks later are fetched for writing, spread over the block's row tiles: a
// forward pass writes each solver stage's own cached layers, last touched a training step ago,
// and a store would otherwise wait for its line from L3.
template <typename Tile>
void overTilesWriting(Index n, Index rows, float* out, Tile&& tile) {
  constexpr Index kAhead = 4;
  const int lines = Prefetcher::spread(kColumns * rows, (rows + 2 * kLanes - 1) / (2 * kLanes));
  Prefetcher ahead;
  overColumns(n, [&]<int C>(Index j) {
    const Index next = j + kAhead * kColumns;
    if (next < n) ahead.aim(out + next * rows, out + std::min(n, next + kColumns) * rows);
    overRows<C>(rows, [&]<int R, int CC>(Index r0) {
      ahead.someForWrite(lines);
      tile.template operator()<R, CC>(j, r0);
    });
  });
}

}  // namespace

void denseProduct(const DenseLayer& L, const float* in, Index ldIn, Index n, float* out) {
  // Each block of kColumns input columns is prefetched while the block kAhead blocks earlier is
  // multiplied (a block's lines spread over its row tiles).
  constexpr Index kAhead = 4;
  Prefetcher prefetch;
  const int linesPerTile =
      Prefetcher::spread(kColumns * ldIn, (L.rows + 2 * kLanes - 1) / (2 * kLanes));
  overColumns(n, [&]<int C>(Index j) {
    const Index ahead = j + kAhead * kColumns;
    if (ahead < n) prefetch.aim(in + ahead * ldIn, in + std::min(n, ahead + kColumns) * ldIn);
    overRows<C>(L.rows, [&]<int R, int CC>(Index r0) {
      prefetch.some(linesPerTile);
      productTile<R, CC>(L, r0, in + j * ldIn, ldIn, out + j * L.rows);
    });
  });
}

void denseOuterAccumulate(const float* adj, Index ldAdj, Index rows, const float* prev,
                          Index ldPrev, Index cols, Index n, float* dW, Index ldDW) {
  // Blocks of kOuterBlock batch columns: adj and prev of one block (2 × 64 × 64 floats for a
  // 64-wide layer) stay in L1 while every tile of dW passes over them.
  constexpr Index kOuterBlock = 64;
  // The next block's prev and adj are prefetched while this block runs, spread over its tiles.
  const Index tiles = ((cols + kColumns - 1) / kColumns) * ((rows + 2 * kLanes - 1) / (2 * kLanes));
  Prefetcher nextPrev, nextAdj;
  for (Index j0 = 0; j0 < n; j0 += kOuterBlock) {
    const Index j1 = std::min(n, j0 + kOuterBlock), j2 = std::min(n, j1 + kOuterBlock);
    nextPrev.aim(prev + j1 * ldPrev, prev + j2 * ldPrev);
    nextAdj.aim(adj + j1 * ldAdj, adj + j2 * ldAdj);
    const int linesPrev = Prefetcher::spread((j2 - j1) * ldPrev, tiles);
    const int linesAdj = Prefetcher::spread((j2 - j1) * ldAdj, tiles);
    const DenseLayer a{adj + j0 * ldAdj, nullptr, rows, j1 - j0, ldAdj};
    const float* p = prev + j0 * ldPrev;
    overColumns(cols, [&]<int C>(Index c0) {
      overRows<C>(rows, [&]<int R, int CC>(Index r0) {
        nextPrev.some(linesPrev);
        nextAdj.some(linesAdj);
        outerTile<R, CC>(a, r0, p + c0, ldPrev, dW + c0 * ldDW, ldDW);
      });
    });
  }
}

bool denseKernelTakes(Index rows) { return rows > 0 && rows % kLanes == 0; }

void denseActivate(Activation activation, const DenseLayer& L, const float* in, Index ldIn, Index n,
                   float* out, float* slope, float* second) {
  // What the epilogue stores is a compile-time choice, so an inference pass (no slope) does not
  // even compute σ'.
  auto run = [&]<bool kSlope, bool kSecond>() {
    withActivationKernel(activation, [&](auto kernel) {
      using Kernel = decltype(kernel);
      overTilesWriting(n, L.rows, out, [&]<int R, int C>(Index j, Index r0) {
        const Index at = j * L.rows;
        activateTile<Kernel, R, C, kSlope, kSecond>(L, r0, in + j * ldIn, ldIn, out + at,
                                                    kSlope ? slope + at : nullptr,
                                                    kSecond ? second + at : nullptr);
      });
    });
  };
  if (second != nullptr && slope != nullptr)
    run.template operator()<true, true>();
  else if (slope != nullptr)
    run.template operator()<true, false>();
  else if (second == nullptr)
    run.template operator()<false, false>();
  else
    throw std::invalid_argument("denseActivate: σ'' without σ' is not supported");
}

void denseTangent(const DenseLayer& L, const float* in, Index ldIn, Index n, const float* slope,
                  const float* second, float* out, float* curve) {
  overTilesWriting(n, L.rows, out, [&]<int R, int C>(Index j, Index r0) {
    const Index at = j * L.rows;
    tangentTile<R, C>(L, r0, in + j * ldIn, ldIn, slope + at, second ? second + at : nullptr,
                      out + at, curve ? curve + at : nullptr);
  });
}

void denseTangentFromOutput(Activation activation, const DenseLayer& L, const float* in, Index ldIn,
                            Index n, const float* h, float* out) {
  withActivationKernel(activation, [&](auto kernel) {
    using Kernel = decltype(kernel);
    if constexpr (Kernel::kFromOutput) {
      overTilesWriting(n, L.rows, out, [&]<int R, int C>(Index j, Index r0) {
        const Index at = j * L.rows;
        tangentFromOutputTile<Kernel, R, C>(L, r0, in + j * ldIn, ldIn, h + at, out + at);
      });
    } else {
      throw std::invalid_argument("denseTangentFromOutput: this activation's σ' needs z, not σ(z)");
    }
  });
}

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
