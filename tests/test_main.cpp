// The doctest runner shared by every test executable. FLOWLAB_SIMD picks the kernel set the
// suite runs with (core/kernel_set.hpp), as it does for flowlab itself; a set this CPU cannot run
// skips the suite (exit code 77, which ctest reports as skipped).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "core/nn/kernel_set.hpp"

int main(int argc, char** argv) {
  using namespace flowlab::core;
  const char* forced = std::getenv("FLOWLAB_SIMD");
  if (forced != nullptr && *forced != '\0') {
    const auto set = parseKernelSet(forced);
    if (set && !cpuRuns(*set)) {
      std::cerr << "skipped: this CPU cannot run the " << forced << " kernel set (needs "
                << kernelSetNeeds(*set) << ")\n";
      return 77;
    }
  }
  try {
    selectKernelSetFrom(forced);
  } catch (const std::invalid_argument& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
