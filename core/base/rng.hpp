// Seeded, fast, platform-independent random numbers (xoshiro256++ with splitmix64 seeding).
//
// Every random draw in flowlab comes from an Rng so that a run with the same seed repeats
// exactly. An Rng is a plain value: copy it to fork a stream, or use split() for an
// independent stream per thread/stage. Not thread-safe: one owner at a time.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "core/base/types.hpp"

namespace flowlab::core {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t z = seed;
    for (auto& word : s_) word = splitmix64(z);
    hasSpareNormal_ = false;
  }

  // A new generator whose stream is independent of this one (deterministic in `stream`).
  Rng split(std::uint64_t stream) const {
    std::uint64_t z = s_[0] ^ (0x9E3779B97F4A7C15ull * (stream + 1));
    return Rng(splitmix64(z) ^ s_[3]);
  }

  std::uint64_t nextU64() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(nextU64() >> 11) * 0x1.0p-53; }
  float uniformf() { return static_cast<float>(nextU64() >> 40) * 0x1.0p-24f; }

  // Uniform integer in {0, …, n−1}; n > 0. (Lemire's multiply-shift, negligible bias for small n.)
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((nextU64() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }

  // Standard normal (Marsaglia polar method, spare value cached).
  double normal() {
    if (hasSpareNormal_) {
      hasSpareNormal_ = false;
      return spareNormal_;
    }
    double u, v, s;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double m = std::sqrt(-2.0 * std::log(s) / s);
    spareNormal_ = v * m;
    hasSpareNormal_ = true;
    return u * m;
  }

  // Everything the stream's future depends on, to save and put back (a resumed run draws the
  // same numbers as one never interrupted).
  struct State {
    std::array<std::uint64_t, 4> words{};
    bool hasSpareNormal = false;
    double spareNormal = 0.0;
    bool operator==(const State&) const = default;
  };
  State state() const { return {{s_[0], s_[1], s_[2], s_[3]}, hasSpareNormal_, spareNormal_}; }
  void restore(const State& state) {
    for (int i = 0; i < 4; ++i) s_[i] = state.words[std::size_t(i)];
    hasSpareNormal_ = state.hasSpareNormal;
    spareNormal_ = state.spareNormal;
  }

  // Fills every entry of `out` with independent standard normals (float).
  template <typename Derived>
  void fillNormal(Eigen::DenseBase<Derived>& out) {
    for (Eigen::Index j = 0; j < out.cols(); ++j)
      for (Eigen::Index i = 0; i < out.rows(); ++i) out(i, j) = static_cast<float>(normal());
  }
  // Fills every entry with independent uniforms in [0, 1) (float).
  template <typename Derived>
  void fillUniform(Eigen::DenseBase<Derived>& out) {
    for (Eigen::Index j = 0; j < out.cols(); ++j)
      for (Eigen::Index i = 0; i < out.rows(); ++i) out(i, j) = uniformf();
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& z) {
    std::uint64_t r = (z += 0x9E3779B97F4A7C15ull);
    r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ull;
    r = (r ^ (r >> 27)) * 0x94D049BB133111EBull;
    return r ^ (r >> 31);
  }

  std::uint64_t s_[4];
  double spareNormal_ = 0.0;
  bool hasSpareNormal_ = false;
};

}  // namespace flowlab::core
