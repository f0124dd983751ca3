// Splitting work over a few threads for batch evaluation (sampling, density grids): contiguous
// column ranges, or tasks claimed one at a time.
// Threads are started per call: use it for work of milliseconds or more, not in a training step.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

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

// Runs work(worker, claim) on `threads` threads, worker in [0, threads); claim() hands out the
// tasks 0 … tasks − 1, each exactly once over all threads, then returns −1. A thread that runs
// faster (or is descheduled less on a shared machine) claims more tasks, so no thread idles
// while another still has a queue. Runs inline when threads ≤ 1. work must not throw.
template <typename Work>
void parallelClaim(Eigen::Index tasks, int threads, Work&& work) {
  threads = std::max(1, static_cast<int>(std::min<Eigen::Index>(threads, tasks)));
  std::atomic<Eigen::Index> next{0};
  auto claim = [&next, tasks]() -> Eigen::Index {
    const Eigen::Index k = next.fetch_add(1, std::memory_order_relaxed);
    return k < tasks ? k : -1;
  };
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  for (int w = 1; w < threads; ++w) pool.emplace_back([&work, &claim, w] { work(w, claim); });
  work(0, claim);
}

// Hardware threads available (≥ 1).
inline int hardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace flowlab::core
