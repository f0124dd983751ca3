// test_parallel.cpp: the thread-splitting helpers hand out every column and every task exactly
// once, whatever the thread count.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "core/base/parallel.hpp"

using Eigen::Index;
using flowlab::core::parallelClaim;
using flowlab::core::parallelColumns;

TEST_CASE("parallelColumns covers 0 … n − 1 with disjoint ranges") {
  for (Index n : {0, 1, 255, 256, 1000, 4097}) {
    for (int threads : {1, 2, 3, 8}) {
      CAPTURE(n);
      CAPTURE(threads);
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
      std::atomic<int> badWorker{0};
      parallelColumns(n, threads, [&](Index b, Index e, int worker) {
        if (worker < 0 || worker >= threads) ++badWorker;
        for (Index i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
      });
      CHECK(badWorker == 0);
      CHECK(std::all_of(hits.begin(), hits.end(), [](const auto& h) { return h == 1; }));
    }
  }
}

TEST_CASE("parallelClaim hands out every task once, then -1 to every thread") {
  for (Index tasks : {0, 1, 2, 7, 64, 1000}) {
    for (int threads : {1, 2, 3, 8}) {
      CAPTURE(tasks);
      CAPTURE(threads);
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(tasks));
      std::atomic<int> workers{0}, badWorker{0};
      parallelClaim(tasks, threads, [&](int worker, auto& claim) {
        ++workers;
        if (worker < 0 || worker >= threads) ++badWorker;
        for (Index k; (k = claim()) >= 0;) ++hits[static_cast<std::size_t>(k)];
        if (claim() != -1) ++badWorker;  // exhausted stays exhausted
      });
      CHECK(badWorker == 0);
      CHECK(workers == std::max(1, static_cast<int>(std::min<Index>(threads, tasks))));
      CHECK(std::all_of(hits.begin(), hits.end(), [](const auto& h) { return h == 1; }));
    }
  }
}
