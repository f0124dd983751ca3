// Splitting column ranges over a few threads for batch evaluation (sampling, density grids).
// Threads are started per call: use it for work of milliseconds or more, not in a training step.
#pragma once

#include <algorithm>
#include <thread>
#include <vector>

#include <Eigen/Core>

namespace flowlab::core {

// Calls fn(begin, end, worker) on `threads` contiguous chunks of [0, n); worker in
// [0, threads). Runs inline when threads ≤ 1 or n is small. fn must not throw.
template <typename Fn>
void parallelColumns(Eigen::Index n, int threads, Fn&& fn) {
  threads = std::max(1, std::min<int>(threads, static_cast<int>((n + 255) / 256)));
  if (threads <= 1) {
    fn(Eigen::Index{0}, n, 0);
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  const Eigen::Index chunk = (n + threads - 1) / threads;
  for (int w = 1; w < threads; ++w) {
    const Eigen::Index b = std::min(n, w * chunk), e = std::min(n, (w + 1) * chunk);
    pool.emplace_back([&fn, b, e, w] { fn(b, e, w); });
  }
  fn(Eigen::Index{0}, std::min(n, chunk), 0);
}

// Hardware threads available (≥ 1).
inline int hardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace flowlab::core
