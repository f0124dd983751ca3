// Elapsed wall time on the steady clock (never goes back), in seconds. Any thread.
#pragma once

#include <chrono>

namespace flowlab::core {

inline double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace flowlab::core
