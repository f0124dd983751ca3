// A comparison as CSV and Markdown (see comparison_table.hpp).
#include "core/compare/comparison_table.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

namespace flowlab::core {
namespace {

const std::vector<std::string> kColumns = {"name",
                                           "w2_rk4_100",
                                           "w2_euler_1",
                                           "straightness",
                                           "transport_cost",
                                           "ot_lower_bound",
                                           "nll",
                                           "nfe",
                                           "steps_per_s",
                                           "wall_s",
                                           "training_steps",
                                           "crossings",
                                           "coupling_crossings",
                                           "endpoint_ot_cost",
                                           "w2_floor",
                                           "n",
                                           "ot_lower_bound_se"};

// A figure with `digits` significant digits, or "" where it does not exist (NaN, count < 0).
std::string cell(double v, int digits = 6) {
  if (std::isnan(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}
std::string count(long v) { return v < 0 ? "" : std::to_string(v); }

std::vector<std::string> cells(const Comparison& c, const ComparisonRow& r) {
  const EntryFigures& f = r.measured.figures;
  return {r.name,
          cell(f.w2Rk4),
          cell(f.w2Euler1),
          cell(f.straightness),
          cell(f.transportCost),
          cell(c.otLowerBound),
          cell(f.nll),
          count(f.nfe),
          cell(r.stepsPerSecond, 5),
          cell(r.wallSeconds, 4),
          count(r.trainingSteps),
          count(f.crossings),
          count(r.couplingCrossings),
          cell(f.endpointOtCost),
          cell(c.w2Floor),
          count(c.n),
          cell(c.otBoundError, 3)};
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? separator : "") + parts[i];
  return text;
}

}  // namespace

std::string comparisonCsv(const Comparison& c) {
  std::string text = joined(kColumns, ",") + "\n";
  for (const ComparisonRow& r : c.rows) text += joined(cells(c, r), ",") + "\n";
  return text;
}

std::string comparisonMarkdown(const Comparison& c) {
  std::string text = "| " + joined(kColumns, " | ") + " |\n|";
  for (std::size_t i = 0; i < kColumns.size(); ++i) text += i == 0 ? "---|" : "---:|";
  text += "\n";
  for (const ComparisonRow& r : c.rows) {
    std::vector<std::string> row = cells(c, r);
    for (std::string& s : row)
      if (s.empty()) s = "–";
    text += "| " + joined(row, " | ") + " |\n";
  }
  return text;
}

}  // namespace flowlab::core
