// A comparison as a table: CSV (one row per stage or method, a header, empty cells where a figure
// does not exist for the method) and the same as a Markdown table. GL-free; any thread.
#pragma once

#include <string>

#include "core/compare/comparison.hpp"

namespace flowlab::core {

// Columns, in order: name, w2_rk4_100, w2_euler_1, straightness, transport_cost, ot_lower_bound,
// nll, nfe, steps_per_s, wall_s, training_steps, crossings, coupling_crossings,
// endpoint_ot_cost, w2_floor, n.
std::string comparisonCsv(const Comparison& c);
std::string comparisonMarkdown(const Comparison& c);

}  // namespace flowlab::core
