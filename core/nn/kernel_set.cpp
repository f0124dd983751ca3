// Kernel sets: CPU detection, the start-up choice and the tables (see kernel_set.hpp).
#include "core/nn/kernel_set.hpp"

#include <cpuid.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

namespace flowlab::core {

// Each set's entry point, compiled in its own objects (kernel_table.cpp, once per set).
namespace simd_generic {
const KernelTable& kernelTable();
}
namespace simd_avx2 {
const KernelTable& kernelTable();
}
namespace simd_avx512 {
const KernelTable& kernelTable();
}

namespace {

constexpr KernelSet kWidestFirst[] = {KernelSet::Avx512, KernelSet::Avx2, KernelSet::Generic};

// -1: nothing selected yet (the widest the CPU runs is used).
std::atomic<int> selected{-1};

}  // namespace

std::string_view kernelSetName(KernelSet set) {
  switch (set) {
    case KernelSet::Generic:
      return "generic";
    case KernelSet::Avx2:
      return "avx2";
    case KernelSet::Avx512:
      return "avx512";
  }
  return "unknown";
}

std::optional<KernelSet> parseKernelSet(std::string_view name) {
  for (KernelSet s : kWidestFirst)
    if (kernelSetName(s) == name) return s;
  return std::nullopt;
}

std::string_view kernelSetNeeds(KernelSet set) {
  switch (set) {
    case KernelSet::Generic:
      return "SSE2";
    case KernelSet::Avx2:
      return "x86-64-v3 (AVX2, FMA, BMI2, F16C, MOVBE)";
    case KernelSet::Avx512:
      return "x86-64-v4 (AVX-512 F, BW, DQ, VL, CD)";
  }
  return "?";
}

// Each set is compiled with -march=x86-64[-vN], so the compiler may use any instruction of that
// level: the test is the whole level, which libgcc checks together with the OS's support for the
// wider register state (XGETBV).
#if defined(__clang__) && __clang_major__ < 16
// clang before 16 tests features, not levels: the ones it can name (a CPU with AVX2, FMA, BMI1
// and BMI2 has the level's F16C, LZCNT and MOVBE too); its runtime also checks the OS's state.
bool levelV3() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
}
bool levelV4() {
  return levelV3() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}
#else
bool levelV3() { return __builtin_cpu_supports("x86-64-v3") != 0; }
bool levelV4() { return __builtin_cpu_supports("x86-64-v4") != 0; }
#endif

bool cpuRuns(KernelSet set) {
  __builtin_cpu_init();
  switch (set) {
    case KernelSet::Generic:
      return true;
    case KernelSet::Avx2:
      return levelV3();
    case KernelSet::Avx512:
      return levelV4();
  }
  return false;
}

std::vector<KernelSet> runnableKernelSets() {
  std::vector<KernelSet> sets;
  for (KernelSet s : kWidestFirst)
    if (cpuRuns(s)) sets.push_back(s);
  return sets;
}

std::string cpuModelName() {
  unsigned regs[12] = {};
  unsigned maxExtended = __get_cpuid_max(0x80000000u, nullptr);
  if (maxExtended < 0x80000004u) return "unknown x86-64";
  for (unsigned i = 0; i < 3; ++i)
    __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2],
                &regs[4 * i + 3]);
  char brand[49] = {};
  std::memcpy(brand, regs, 48);
  std::string name(brand);
  const auto first = name.find_first_not_of(' ');
  const auto last = name.find_last_not_of(' ');
  return first == std::string::npos ? "unknown x86-64" : name.substr(first, last - first + 1);
}

void selectKernelSet(KernelSet set) {
  if (!cpuRuns(set))
    throw std::invalid_argument("the " + std::string(kernelSetName(set)) + " kernel set needs " +
                                std::string(kernelSetNeeds(set)) + ", which this CPU (" +
                                cpuModelName() + ") does not have");
  selected.store(static_cast<int>(set), std::memory_order_release);
}

void selectKernelSetFrom(const char* forced) {
  if (forced == nullptr || *forced == '\0') {
    selectKernelSet(runnableKernelSets().front());
    return;
  }
  const std::optional<KernelSet> set = parseKernelSet(forced);
  if (!set)
    throw std::invalid_argument("FLOWLAB_SIMD must be generic, avx2 or avx512, got '" +
                                std::string(forced) + "'");
  try {
    selectKernelSet(*set);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("FLOWLAB_SIMD=" + std::string(forced) + ": " + e.what());
  }
}

KernelSet activeKernelSet() {
  const int s = selected.load(std::memory_order_acquire);
  if (s >= 0) return static_cast<KernelSet>(s);
  // Not selected (a test or a library user): the widest, remembered for the next call.
  const KernelSet widest = runnableKernelSets().front();
  selected.store(static_cast<int>(widest), std::memory_order_release);
  return widest;
}

const KernelTable& kernelTable(KernelSet set) {
  switch (set) {
    case KernelSet::Generic:
      return simd_generic::kernelTable();
    case KernelSet::Avx2:
      return simd_avx2::kernelTable();
    case KernelSet::Avx512:
      return simd_avx512::kernelTable();
  }
  throw std::invalid_argument("kernelTable: unknown kernel set");
}

const KernelTable& activeKernels() { return kernelTable(activeKernelSet()); }

}  // namespace flowlab::core
