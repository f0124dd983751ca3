#include <doctest/doctest.h>

#include <cmath>

#include "core/training/history_snapshot.hpp"
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

TEST_CASE("history: the entry at or before a step, per stage, copies, not references") {
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

TEST_CASE("a historical snapshot: the model as of the entry, apart from live versions") {
  Snapshot live;
  auto model = std::make_shared<Model>();
  model->stages.resize(2);
  model->stages[0].params = paramsAt(7);
  model->stages[0].stepsTrained = 100;
  model->stages[1].params = paramsAt(9);
  live.model = model;
  live.version = 40;
  live.stage = 1;
  live.step = 50;
  live.totalSteps = 150;
  live.status = TrainerStatus::Running;
  HistoryEntry e{0, 30, 30, std::make_shared<const ParamVec>(paramsAt(3))};
  const auto past = historicalSnapshot(live, e);
  REQUIRE(past->model->stages.size() == 1);  // only the stages up to the entry's
  CHECK(past->model->stages[0].params == paramsAt(3));
  CHECK(past->model->stages[0].stepsTrained == 30);
  CHECK(past->stage == 0);
  CHECK(past->step == 30);
  CHECK(past->totalSteps == 30);
  CHECK(past->version == kHistoryVersions + 30);
  CHECK(past->status == TrainerStatus::Paused);
  CHECK(live.model->stages.size() == 2);  // the live one untouched
  HistoryEntry later{1, 20, 120, std::make_shared<const ParamVec>(paramsAt(5))};
  const auto second = historicalSnapshot(live, later);
  REQUIRE(second->model->stages.size() == 2);
  CHECK(second->model->stages[0].params == paramsAt(7));  // the finished stage as trained
  CHECK(second->model->stages[1].params == paramsAt(5));
  HistoryEntry foreign{5, 1, 1, e.params};
  CHECK_THROWS_AS(historicalSnapshot(live, foreign), std::invalid_argument);
}
