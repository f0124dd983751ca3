// libFuzzer harness: a picture's bytes through the image target's loader
// (core/targets/targets.hpp, ImageTarget::fromBytes: PNG/JPEG by stb_image, brightness,
// downsampling), as `--target-image FILE` and the app's import read them; a loaded target is
// sampled and evaluated once. The first byte picks `invert` and a small maxSide, so that both
// paths of the loader run. A refusal (std::exception) is the expected answer to a bad file; a
// crash, a sanitizer report, a timeout or running out of memory is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "core/base/rng.hpp"
#include "core/targets/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowlab::core;
  if (size < 1) return 0;
  const bool invert = (data[0] & 1) != 0;
  const int maxSide = (data[0] & 2) != 0 ? 3 : 256;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const auto target = ImageTarget::fromBytes(bytes, "fuzz.png", Box{}, invert, maxSide);
    Points x(2, 8);
    Rng rng(1);
    target->sample(x, rng);
    Eigen::VectorXd logp;
    target->logDensity(x, logp);
  } catch (const std::exception&) {
  }
  return 0;
}
