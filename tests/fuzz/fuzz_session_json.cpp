// libFuzzer harness: a session file's text through the loader (core/io/session_io.hpp), as
// `flowlab train --resume FILE` and the app read it; then its model through the model loader,
// which reads sessions too. A refusal (std::exception) is the expected answer to a bad file; a
// crash, a sanitizer report, a timeout or running out of memory is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "core/io/model_io.hpp"
#include "core/io/session_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const flowlab::core::Session session = flowlab::core::sessionFromJsonText(text, "fuzz.flowlab");
    (void)session;
  } catch (const std::exception&) {
  }
  try {
    const flowlab::core::Model model = flowlab::core::modelFromJsonText(text, "fuzz.flowlab");
    (void)model;
  } catch (const std::exception&) {
  }
  return 0;
}
