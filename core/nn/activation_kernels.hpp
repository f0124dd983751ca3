// SIMD activation kernels shared by the MLP's passes and its fused dense-layer kernels.
//
// Each kernel maps a packet of pre-activations z to h = σ(z), d = σ'(z), dd = σ''(z); a caller
// that stores only h lets the compiler drop the rest. Packets are Eigen's widest float packet
// for the kernel set's SIMD (4, 8 or 16 floats). Compiled once per kernel set
// (kernel_set.hpp): include only from a kernel set's sources.
// Thread affinity: pure functions, any thread.
#pragma once

#include "core/nn/mlp.hpp"

#ifndef FLOWLAB_KERNEL_NS
#error "a kernel set's source: core/CMakeLists.txt compiles it once per set with FLOWLAB_KERNEL_NS"
#endif

namespace flowlab::core::FLOWLAB_KERNEL_NS {

// SELU (Klambauer et al. 2017): λ·z for z > 0, λα(eᶻ − 1) otherwise.
constexpr float kSeluLambda = 1.0507009873554805f;
constexpr float kSeluAlpha = 1.6732632423543772f;

namespace pk = Eigen::internal;
using Packet = pk::packet_traits<float>::type;
constexpr int kLanes = pk::packet_traits<float>::size;

#ifdef EIGEN_VECTORIZE
// The integer packet of the same width (Packet8i for AVX). GCC warns that the vector type's
// alignment attribute is dropped when it is a template argument; harmless for a type lookup.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
using IntPacket = pk::unpacket_traits<Packet>::integer_packet;
#pragma GCC diagnostic pop
#endif

// eˣ for a packet, ≤ 3 ulp on [−87.3, 88.3] and clamped outside (so e^{-x} never overflows
// to inf and 1/(1 + e^{-x}) stays exact at the ends). Eigen's pexp spends most of its time in
// an ldexp that also handles exponents we never produce; here 2ᵐ is built from its bits.
// Range reduction x = m·ln2 + r (ln2 split in two), then Taylor to r⁷ (|r| ≤ ln2/2, remainder
// < 6e-9) evaluated by Estrin's scheme. What a NaN input gives is unspecified: the kernels
// below carry NaN from z to σ(z) themselves.
EIGEN_ALWAYS_INLINE Packet fastExp(const Packet& in) {
#ifdef EIGEN_VECTORIZE
  using PacketI = IntPacket;
  const Packet x = pk::pmin(pk::pmax(in, pk::pset1<Packet>(-87.3f)), pk::pset1<Packet>(88.3f));
  const Packet m =
      pk::pfloor(pk::pmadd(x, pk::pset1<Packet>(1.44269504088896341f), pk::pset1<Packet>(0.5f)));
  Packet r =
      pk::pmadd(m, pk::pset1<Packet>(-0.693359375f), x);  // ln2 = 0.693359375 − 2.12194440e-4
  r = pk::pmadd(m, pk::pset1<Packet>(2.12194440e-4f), r);
  const Packet r2 = pk::pmul(r, r), r4 = pk::pmul(r2, r2);
  const Packet c01 = pk::padd(pk::pset1<Packet>(1.0f), r);
  const Packet c23 = pk::pmadd(pk::pset1<Packet>(1.0f / 6.0f), r, pk::pset1<Packet>(0.5f));
  const Packet c45 =
      pk::pmadd(pk::pset1<Packet>(1.0f / 120.0f), r, pk::pset1<Packet>(1.0f / 24.0f));
  const Packet c67 =
      pk::pmadd(pk::pset1<Packet>(1.0f / 5040.0f), r, pk::pset1<Packet>(1.0f / 720.0f));
  const Packet poly = pk::pmadd(pk::pmadd(c67, r2, c45), r4, pk::pmadd(c23, r2, c01));
  // m ∈ [−126, 127], so 2ᵐ is a normal float: biased exponent m + 127 shifted into place.
  const PacketI biased = pk::padd(pk::pcast<Packet, PacketI>(m), pk::pset1<PacketI>(127));
  return pk::pmul(poly, pk::preinterpret<Packet>(pk::plogical_shift_left<23>(biased)));
#else
  return pk::pexp(in);
#endif
}

// Each kernel maps a packet of pre-activations z to h = σ(z), d = σ'(z), dd = σ''(z). NaN in z
// stays NaN in h so a diverging run is noticed, not hidden.
//
// kFromOutput: σ' and the ratio σ''/σ' are functions of the output h alone, given by
// slopeFromOutput(h) and ratioFromOutput(h). Then a pass that keeps h needs to keep nothing
// else: a tangent through the layer is σ'(h)⊙ż, and the reverse sweep's σ''⊙ż is
// ratio(h)⊙ȧ with ȧ = σ'⊙ż, which the layer keeps anyway (half the memory per cached layer).
struct TanhKernel {
  static constexpr bool kFromOutput = true;
  static EIGEN_ALWAYS_INLINE void eval(const Packet& z, Packet& h, Packet& d, Packet& dd) {
    h = pk::ptanh(z);
    d = slopeFromOutput(h);                // 1 − tanh²
    dd = pk::pmul(ratioFromOutput(h), d);  // −2·tanh·(1 − tanh²)
  }
  static EIGEN_ALWAYS_INLINE Packet slopeFromOutput(const Packet& h) {
    return pk::pmadd(pk::pnegate(h), h, pk::pset1<Packet>(1.0f));
  }
  static EIGEN_ALWAYS_INLINE Packet ratioFromOutput(const Packet& h) {
    return pk::pmul(pk::pset1<Packet>(-2.0f), h);
  }
};

// 1/d for d ≥ 1 (up to 2.2e38): the hardware's 12-bit reciprocal estimate and one Newton step,
// within ~1e-7 relative — a division's latency and throughput are the activation's bottleneck.
EIGEN_ALWAYS_INLINE Packet reciprocalAtLeastOne(const Packet& d) {
#if defined(EIGEN_VECTORIZE_AVX) && !defined(EIGEN_VECTORIZE_AVX512)
  const Packet r0 = _mm256_rcp_ps(d);
  const Packet e = pk::psub(pk::pset1<Packet>(1.0f), pk::pmul(d, r0));  // 1 − d·r₀ (one FMA)
  return pk::pmadd(r0, e, r0);
#else
  return pk::pdiv(pk::pset1<Packet>(1.0f), d);
#endif
}

struct SiluKernel {
  static constexpr bool kFromOutput = false;  // not monotone: σ' is not a function of h
  static EIGEN_ALWAYS_INLINE void eval(const Packet& z, Packet& h, Packet& d, Packet& dd) {
    const Packet one = pk::pset1<Packet>(1.0f);
    const Packet e = fastExp(pk::pnegate(z));
    const Packet s = reciprocalAtLeastOne(pk::padd(one, e));  // sigmoid
    // 1 − s as e·s = e/(1 + e): no cancellation when s is within an ulp of 1 (large z).
    const Packet oneMinusS = pk::pmul(e, s);
    h = pk::pmul(z, s);
    d = pk::pmadd(h, oneMinusS, s);  // s + z·s·(1 − s)
    // σ'' = s(1 − s)·(2 + z(1 − 2s))
    const Packet twoPlus = pk::pmadd(z, pk::psub(oneMinusS, s), pk::pset1<Packet>(2.0f));
    dd = pk::pmul(pk::pmul(s, oneMinusS), twoPlus);
  }
};

struct SeluKernel {
  static constexpr bool kFromOutput = true;
  static EIGEN_ALWAYS_INLINE void eval(const Packet& z, Packet& h, Packet& d, Packet& dd) {
    const Packet zero = pk::pzero(z);
    const Packet lambda = pk::pset1<Packet>(kSeluLambda);
    const Packet lambdaAlpha = pk::pset1<Packet>(kSeluLambda * kSeluAlpha);
    // z ≤ 0 is false for NaN, which therefore takes the λ·z branch and stays NaN.
    const Packet nonPositive = pk::pcmp_le(z, zero);
    // λα·e^{min(z, 0)}: never overflows; for z ≤ 0 it is λα·eᶻ = σ'(z) = σ''(z).
    const Packet le = pk::pmul(lambdaAlpha, fastExp(pk::pmin(z, zero)));
    h = pk::pselect(nonPositive, pk::psub(le, lambdaAlpha), pk::pmul(lambda, z));
    d = pk::pselect(nonPositive, le, lambda);
    dd = pk::pselect(nonPositive, le, zero);
  }
  // h > 0 exactly when z > 0; for z ≤ 0, σ' = σ'' = λα·eᶻ = h + λα. NaN takes the h + λα side
  // and stays NaN.
  static EIGEN_ALWAYS_INLINE Packet slopeFromOutput(const Packet& h) {
    return pk::pselect(pk::pcmp_lt(pk::pzero(h), h), pk::pset1<Packet>(kSeluLambda),
                       pk::padd(h, pk::pset1<Packet>(kSeluLambda * kSeluAlpha)));
  }
  static EIGEN_ALWAYS_INLINE Packet ratioFromOutput(const Packet& h) {
    return pk::pselect(pk::pcmp_lt(pk::pzero(h), h), pk::pzero(h), pk::pset1<Packet>(1.0f));
  }
};

struct SoftplusKernel {
  static constexpr bool kFromOutput = false;  // σ' = 1 − e^{−h} would cost an exp per use
  static EIGEN_ALWAYS_INLINE void eval(const Packet& z, Packet& h, Packet& d, Packet& dd) {
    const Packet one = pk::pset1<Packet>(1.0f);
    const Packet zero = pk::pzero(z);
    // log(1 + eᶻ) = max(z, 0) + log1p(e^{−|z|}): no overflow for large z, no cancellation.
    const Packet e = fastExp(pk::pnegate(pk::pabs(z)));
    const Packet r = pk::pdiv(one, pk::padd(one, e));
    h = pk::padd(pk::pmax<Eigen::PropagateNaN>(z, zero), pk::plog1p(e));
    d = pk::pselect(pk::pcmp_lt(z, zero), pk::pmul(e, r), r);  // sigmoid(z) from the same exp
    dd = pk::pmul(d, pk::psub(one, d));
  }
};

// Calls f(Kernel{}) with the kernel of activation a.
template <typename F>
EIGEN_ALWAYS_INLINE void withActivationKernel(Activation a, F&& f) {
  switch (a) {
    case Activation::Tanh:
      return f(TanhKernel{});
    case Activation::SiLU:
      return f(SiluKernel{});
    case Activation::SELU:
      return f(SeluKernel{});
    case Activation::Softplus:
      return f(SoftplusKernel{});
  }
}

// Every kernel agrees with mlp.hpp's derivativesFromOutput, which callers outside a kernel set use.
static_assert(TanhKernel::kFromOutput == derivativesFromOutput(Activation::Tanh));
static_assert(SiluKernel::kFromOutput == derivativesFromOutput(Activation::SiLU));
static_assert(SeluKernel::kFromOutput == derivativesFromOutput(Activation::SELU));
static_assert(SoftplusKernel::kFromOutput == derivativesFromOutput(Activation::Softplus));

}  // namespace flowlab::core::FLOWLAB_KERNEL_NS
