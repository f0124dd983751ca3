// `flowlab compare`: reflow rounds of one rectified flow, or several methods, trained from the
// same seed and measured on the same points; writes the table (CSV and Markdown) and the panels
// into a folder, with a live progress line.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/base/parallel.hpp"
#include "core/cli/cli_common.hpp"
#include "core/compare/comparison_table.hpp"
#include "core/io/file_io.hpp"
#include "core/render/comparison_panels.hpp"

namespace flowlab::core::cli {
namespace {

constexpr const char* kCompareHelp =
    R"(usage: flowlab compare (--target NAME | --target-image FILE) (--reflow K | --methods LIST)
                       [--steps N] [--seed S] [--threads T] [--n N] [--reflow-pairs M] --out DIR
  Trains, from the same seed, either one rectified flow with K reflow rounds (--reflow K: rows
  1-RF … (K+1)-RF, each round trained on (x0, ODE(x0)) pairs of the one before) or each method
  of LIST (--methods fm,otcfm,rf,cnf,rkl,realnvp; rf gives a row per round, with one reflow
  round), and measures every row on the same n base points x0 ~ N(0, I) and target sample:
    w2_rk4_100, w2_euler_1   exact W2 to the target after RK4 with 100 steps / one Euler step
    straightness             E int_0^1 |(x1 - x0) - v(x_t, t)|^2 dt along the RK4-100 paths
    transport_cost           E |x1 - x0|^2 of the flow's map x0 -> x1
    ot_lower_bound           a lower bound on W2^2(N(0, I), target): no coupling costs less
                             (reflow lowers the cost toward W2^2). Kantorovich dual potentials
                             from the exact assignment of n pairs, evaluated on 50000 fresh
                             points: biased down, never up (ot_lower_bound_se: its error)
    nll                      mean -log p of held-out target points (exact, dopri5 1e-5)
    nfe, steps_per_s, wall_s field evaluations per sampled point (RK4-100), training steps per
                             second, wall time from the start of that method's training
    training_steps, crossings, coupling_crossings
                             steps trained; pathline pairs that cross among the first 200
                             paths; crossing lines x0 -> x1 among 200 of the pairs it trained on
    endpoint_ot_cost         exact W2^2 between the base points and the row's own endpoints:
                             transport_cost minus it is how far the flow's coupling is from
                             optimal on these points (>= 0; reflow shrinks it)
    w2_floor, n              W2 between two target samples of n points (what W2 can reach)
    ot_lower_bound_se        the standard error of ot_lower_bound
  Empty cells where a method has no such figure (RealNVP has no ODE: its W2 is of its one
  pass). Writes DIR/table.csv, DIR/table.md and DIR/panels.png (DIR is created if missing).
  --steps N per stage (default each method's own), --n N points (default 2000),
  --reflow-pairs M (default 50000), --seed S (default 0), --threads T (default all cores).
  Target options as in 'flowlab train --help' (--image-box, --invert).
)";

ComparisonPlan planFrom(const Args& args) {
  if (args.has("--reflow") == args.has("--methods"))
    throw UsageError("give either --reflow K (rounds of one rectified flow) or --methods LIST");
  ComparisonPlan plan;
  if (args.has("--reflow"))
    plan.reflow = static_cast<int>(args.integer("--reflow", 1, 0, 8));
  else
    plan.methods = methodList(args, "--methods");
  if (args.has("--reflow-pairs") && plan.reflow < 0 &&
      std::find(plan.methods.begin(), plan.methods.end(), Method::RectifiedFlow) ==
          plan.methods.end())
    throw UsageError("--reflow-pairs applies to rectified flow (--reflow K, or rf in --methods)");
  plan.steps = args.integer("--steps", 0, 1, 100000000);
  plan.seed = static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 0x7fffffffffffffffL));
  plan.threads = threadsFrom(args, hardwareThreads());
  plan.n = args.integer("--n", 2000, 10, 20000);
  plan.nllN = plan.n;
  plan.reflowPairs = static_cast<int>(args.integer("--reflow-pairs", 0, 1, 10000000));
  return plan;
}

// The output folder: created when missing (its parent must exist); refused when it is a file.
std::filesystem::path outputFolder(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path path(dir);
  std::error_code error;
  if (fs::exists(path, error) && !fs::is_directory(path, error))
    throw UsageError("--out must name a folder; '" + dir + "' is a file");
  if (!fs::exists(path, error) && !fs::create_directory(path, error))
    throw std::runtime_error(dir + ": cannot create this folder (" + error.message() + ")");
  return path;
}

// The progress line: the row being trained, its step, rate and the ETA of the whole run (the
// steps left over every row at the current rate; pair generation and measuring come on top).
class ProgressLine {
 public:
  bool operator()(const ComparisonStatus& s) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < interval_) return true;
    last_ = now;
    const double rate = s.seconds > 0 ? s.step / s.seconds : 0.0;
    const long left = (s.steps - s.step) + static_cast<long>(s.rows - s.row - 1) * s.steps;
    char what[96];
    if (std::string(s.phase) == "reflow pairs")
      std::snprintf(what, sizeof what, "reflow pairs %.0f%%", 100.0 * s.fraction);
    else if (std::string(s.phase) == "training")
      std::snprintf(what, sizeof what, "step %ld/%ld  %.0f steps/s  ETA %s", s.step, s.steps, rate,
                    formatSeconds(rate > 0 ? left / rate : NAN).c_str());
    else
      std::snprintf(what, sizeof what, "%s", s.phase);
    std::fprintf(stderr, "%srow %d/%d  %s  %s%s", tty_ ? "\r\033[K" : "", s.row + 1, s.rows,
                 s.name.c_str(), what, tty_ ? "" : "\n");
    std::fflush(stderr);
    return true;
  }
  void finish() const {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  const bool tty_ = ::isatty(STDERR_FILENO);
  const std::chrono::milliseconds interval_{tty_ ? 200 : 2000};
  std::chrono::steady_clock::time_point last_{};
};

void printComparison(const Comparison& c) {
  std::printf("%-10s %8s %8s %12s %10s %9s %9s %8s %5s %9s %8s %9s\n", "row", "W2 rk4", "W2 1step",
              "straightness", "transport", "OT bound", "OT own", "NLL", "NFE", "steps/s", "wall s",
              "crossings");
  for (const ComparisonRow& r : c.rows) {
    const EntryFigures& f = r.measured.figures;
    std::printf("%-10s %8.4f %8.4f %12.6g %10.4f %9.4f %9.4f %8.4f %5ld %9.0f %8.1f %9s\n",
                r.name.c_str(), f.w2Rk4, f.w2Euler1, f.straightness, f.transportCost,
                c.otLowerBound, f.endpointOtCost, f.nll, f.nfe, r.stepsPerSecond, r.wallSeconds,
                f.crossings < 0 ? "-" : std::to_string(f.crossings).c_str());
  }
  std::printf(
      "W2 floor (two target samples of %ld points): %.4f. OT bound: a lower bound on W2^2(N(0, I), "
      "target) (dual potentials; standard error %.4f); OT own: W2^2 between the base points and "
      "the row's own endpoints.\n",
      c.n, c.w2Floor, c.otBoundError);
}

}  // namespace

int runCompare(int argc, char** argv) {
  std::vector<OptionSpec> specs = {{"--help", 0},  {"--reflow", 1}, {"--methods", 1},
                                   {"--steps", 1}, {"--seed", 1},   {"--threads", 1},
                                   {"--n", 1},     {"--out", 1},    {"--reflow-pairs", 1}};
  for (const auto& s : targetOptions()) specs.push_back(s);
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kCompareHelp;
    return 0;
  }
  expectPositional(args, 0, "");
  const ComparisonPlan plan = planFrom(args);
  auto target = targetFrom(args, true);
  const std::filesystem::path dir = outputFolder(args.requiredText("--out"));
  const std::string csv = (dir / "table.csv").string(), md = (dir / "table.md").string(),
                    png = (dir / "panels.png").string();
  for (const std::string& output : {csv, md, png}) {
    refuseOverwritingInputs(args, "--out", output);
    checkWritable(output);
  }

  ProgressLine line;
  const Comparison c =
      runComparison(plan, std::move(target), [&](const ComparisonStatus& s) { return line(s); });
  line.finish();
  printComparison(c);
  writeFileAtomically(csv, comparisonCsv(c));
  writeFileAtomically(md, comparisonMarkdown(c));
  writePngAtomically(png, comparisonPanels(c));
  std::fprintf(stderr, "wrote %s, %s and %s\n", csv.c_str(), md.c_str(), png.c_str());
  return 0;
}

}  // namespace flowlab::core::cli
