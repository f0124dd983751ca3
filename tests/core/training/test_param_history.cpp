#include <doctest/doctest.h>

#include <cmath>

#include "core/training/param_history.hpp"

using namespace flowlab::core;

namespace {

ParamVec paramsAt(long step) { return ParamVec::Constant(3, static_cast<float>(step)); }

}  // namespace

TEST_CASE("history: log-spaced, bounded, from the first step to late in training") {
  ParamHistory h(16, 1.1);
  for (long step = 1; step <= 200000; ++step) {
    if (!h.due(0, step)) continue;
    CHECK(h.offer(0, step, step, paramsAt(step)));
    CHECK(h.size() <= 16);
  }
  const auto& e = h.entries();
  REQUIRE(e.size() >= 8);
  CHECK(e.front().step == 1);
  CHECK(e.back().step >= 100000);  // the late part of training is there
  for (std::size_t i = 1; i < e.size(); ++i) {
    CHECK(e[i].step > e[i - 1].step);
    // Even in log(step): no two neighbours closer than the base growth.
    if (e[i - 1].step > 1) CHECK(double(e[i].step) / double(e[i - 1].step) >= 1.1);
  }
  for (const HistoryEntry& x : e) CHECK((*x.params)(0) == static_cast<float>(x.step));
}

TEST_CASE("history: the entry at or before a step, per stage; copies, not references") {
  ParamHistory h(8, 2.0);
  ParamVec p = paramsAt(1);
  CHECK(h.offer(0, 1, 1, p));
  p.setConstant(99.0f);  // the kept copy does not change
  CHECK(h.offer(0, 4, 4, paramsAt(4)));
  CHECK_FALSE(h.due(0, 4));  // not again
  CHECK_FALSE(h.due(0, 7));  // not yet twice 4
  CHECK_FALSE(h.offer(0, 7, 7, paramsAt(7)));
  CHECK(h.due(0, 8));
  CHECK(h.offer(1, 2, 10, paramsAt(2)));  // another stage starts its own spacing
  REQUIRE(h.at(0, 3));
  CHECK(h.at(0, 3)->step == 1);
  CHECK((*h.at(0, 3)->params)(0) == 1.0f);
  CHECK(h.at(0, 100)->step == 4);
  CHECK(h.at(1, 1) == nullptr);
  CHECK(h.at(1, 5)->totalSteps == 10);
  CHECK(h.at(2, 5) == nullptr);
  CHECK(h.entries().size() == 3);
  CHECK(h.entries().back().stage == 1);  // by stage, then step
  h.clear();
  CHECK(h.size() == 0);
  CHECK(h.due(0, 1));
  CHECK_THROWS_AS(ParamHistory(8, 1.0), std::invalid_argument);
}
