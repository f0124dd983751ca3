#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "core/compare/comparison.hpp"
#include "core/compare/comparison_table.hpp"
#include "core/eval/metrics.hpp"

using namespace flowlab::core;

namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> splitCells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

ComparisonPlan smallPlan() {
  ComparisonPlan plan;
  plan.steps = 400;
  plan.seed = 3;
  plan.threads = 1;
  plan.n = 200;
  plan.nllN = 200;
  plan.reflowPairs = 4000;
  return plan;
}

}  // namespace

TEST_CASE(
    "comparison samples: the same points from the same seed; the OT bound is under every cost") {
  const auto target = makeBuiltinTarget("8gaussians");
  const ComparisonSamples a(*target, 300, 50, 9), b(*target, 300, 50, 9);
  CHECK(a.base == b.base);
  CHECK(a.target == b.target);
  CHECK(a.heldOut.cols() == 50);
  CHECK(a.otLowerBound == b.otLowerBound);
  // Biased down, unlike the two-sample W2² of the same points (biased up): under it, and under
  // the cost of the pairing by index.
  const double byIndex = (a.base - a.target).colwise().squaredNorm().cast<double>().mean();
  CHECK(a.otLowerBound < std::pow(w2Exact(a.base, a.target), 2));
  CHECK(a.otLowerBound < byIndex);
  CHECK(a.otBoundError > 0.0);
  CHECK(a.otBoundError < 0.05);
  CHECK(a.w2Floor > 0.0);
  const ComparisonSamples c(*target, 300, 50, 10);
  CHECK_FALSE(c.base == a.base);
  // A bound from more anchors of its own: the figures' points unchanged, the bound tighter.
  const ComparisonSamples wide(*target, 300, 50, 9, 1200);
  CHECK(wide.boundN == 1200);
  CHECK(a.boundN == 300);
  CHECK(wide.base == a.base);
  CHECK(wide.otLowerBound > a.otLowerBound);
}

TEST_CASE("coupling crossings: the independent coupling crosses, the sorted one does not") {
  Points base(2, 50), ends(2, 50);
  for (int i = 0; i < 50; ++i) {
    base.col(i) << float(i), 0.0f;
    ends.col(i) << float((i * 17) % 50), 5.0f;  // a shuffled order
  }
  CHECK(couplingCrossings(base, ends) > 100);
  for (int i = 0; i < 50; ++i) ends.col(i) << float(i) + 0.3f, 5.0f;
  CHECK(couplingCrossings(base, ends) == 0);
}

TEST_CASE(
    "a reflow comparison: a row per round on the same points; the reflowed flow is straighter, "
    "its coupling crosses less, its one-step W2 better") {
  ComparisonPlan plan = smallPlan();
  plan.reflow = 1;
  int reports = 0;
  const Comparison c =
      runComparison(plan, makeBuiltinTarget("8gaussians"), [&](const ComparisonStatus& s) {
        CHECK(s.rows == 2);
        ++reports;
        return true;
      });
  CHECK(reports > 0);
  REQUIRE(c.rows.size() == 2);
  CHECK(c.rows[0].name == "1-RF");
  CHECK(c.rows[1].name == "2-RF");
  CHECK(c.base.cols() == 200);
  for (const ComparisonRow& r : c.rows) {
    const EntryFigures& f = r.measured.figures;
    CHECK(r.trainingSteps == 400);
    CHECK(f.nfe == 400);  // RK4, 100 steps
    CHECK(std::isfinite(f.w2Rk4));
    CHECK(std::isfinite(f.nll));
    CHECK(f.crossings >= 0);
    CHECK(r.measured.endpoints.cols() == 200);
    CHECK(r.measured.paths.size() == std::size_t(EntryMeasurement::kPathSteps) + 1);
    CHECK(r.wallSeconds > 0.0);
    // No coupling of the same points costs less than the optimal one.
    CHECK(f.endpointOtCost <= f.transportCost + 1e-9);
  }
  const EntryFigures &one = c.rows[0].measured.figures, &two = c.rows[1].measured.figures;
  CHECK(two.straightness < one.straightness);
  CHECK(two.w2Euler1 < one.w2Euler1);
  CHECK(c.rows[1].couplingCrossings < c.rows[0].couplingCrossings);
  CHECK(c.rows[1].wallSeconds > c.rows[0].wallSeconds);  // counted from the start of the entry
  // The table: a header and a row per round, every figure present.
  const auto lines = splitLines(comparisonCsv(c));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("name,w2_rk4_100,w2_euler_1,straightness,transport_cost,ot_lower_bound,"
                       "nll,nfe,steps_per_s,wall_s",
                       0) == 0);
  for (std::size_t i = 1; i < 3; ++i)
    for (const std::string& cell : splitCells(lines[i])) CHECK_FALSE(cell.empty());
  const auto md = splitLines(comparisonMarkdown(c));
  REQUIRE(md.size() == 4);
  CHECK(md[1].rfind("|---|---:|", 0) == 0);
  CHECK(md[2].rfind("| 1-RF |", 0) == 0);
}

TEST_CASE(
    "a method comparison: a row per method from the same seed; RealNVP's missing figures "
    "are empty cells") {
  ComparisonPlan plan = smallPlan();
  plan.steps = 150;
  plan.methods = {Method::FlowMatching, Method::RealNvp};
  const Comparison c = runComparison(plan, makeBuiltinTarget("moons"));
  REQUIRE(c.rows.size() == 2);
  CHECK(c.rows[0].name == "fm");
  CHECK(c.rows[1].name == "realnvp");
  CHECK(c.rows[0].couplingCrossings > 0);    // independent pairs
  CHECK(c.rows[1].couplingCrossings == -1);  // no coupling
  const EntryFigures& nvp = c.rows[1].measured.figures;
  CHECK(nvp.nfe == 1);
  CHECK(std::isnan(nvp.straightness));
  CHECK(std::isnan(nvp.w2Euler1));
  CHECK(std::isfinite(nvp.w2Rk4));
  const auto lines = splitLines(comparisonCsv(c));
  REQUIRE(lines.size() == 3);
  const auto cells = splitCells(lines[2]);
  REQUIRE(cells.size() == 17);
  CHECK_FALSE(cells[16].empty());  // the OT bound's standard error
  CHECK(cells[0] == "realnvp");
  CHECK_FALSE(cells[1].empty());
  CHECK(cells[2].empty());   // w2_euler_1
  CHECK(cells[3].empty());   // straightness
  CHECK(cells[11].empty());  // crossings
  CHECK(cells[12].empty());  // coupling crossings
}

TEST_CASE("a comparison refuses an empty plan, and stops when asked") {
  ComparisonPlan plan = smallPlan();
  CHECK_THROWS_AS(runComparison(plan, makeBuiltinTarget("moons")), std::invalid_argument);
  plan.reflow = 0;
  CHECK_THROWS_AS(runComparison(plan, nullptr), std::invalid_argument);
  CHECK_THROWS_AS(runComparison(plan, makeBuiltinTarget("moons"),
                                [](const ComparisonStatus&) { return false; }),
                  std::runtime_error);
}
