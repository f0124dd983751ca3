// libFuzzer harness: an .npy file's bytes through the reader of core/io/npy.hpp, as
// `--target-points FILE.npy` and `logp --in FILE.npy` read them. A refusal (std::exception) is
// the expected answer to a bad file; a crash, a sanitizer report, a timeout or running out of
// memory is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "core/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const flowlab::core::Points points = flowlab::core::npyPointsFromBytes(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
    (void)points;
  } catch (const std::exception&) {
  }
  return 0;
}
