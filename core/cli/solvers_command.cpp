// `flowlab solvers`: how a trained flow's samples depend on the solver and its step count — one
// row per (solver, N) with the endpoint error against a fine reference, NFE and W2 to the
// target, each solver's fitted convergence order, and optionally the two charts as a PNG.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "core/base/parallel.hpp"
#include "core/cli/cli_common.hpp"
#include "core/eval/solver_study.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/png_chart.hpp"

namespace flowlab::core::cli {
namespace {

constexpr const char* kSolversHelp =
    R"(usage: flowlab solvers MODEL --target NAME [--stage k] [--solvers euler,midpoint,heun,rk4]
                       [--steps 1,2,4,8,16,32,100] [--n 2000] [--seed S] [--threads T]
                       --out FILE.csv [--png FILE.png]
  For every fixed-step solver and step count N: carries the same n base points x0 ~ N(0, I) to
  t = 1 and measures the endpoint error against a reference solve (dopri5, rtol = atol = 1e-7)
  — mean and max distance — the NFE per point, and the exact W2 to n target points. Prints a
  table and each solver's order p fitted to error = C·N^-p over the largest N whose error is
  above the float floor (about 1 for euler, 2 for midpoint and heun, 4 for rk4 where the field
  is smooth). A straight flow (rectified flow after reflow) keeps a low W2 down to N = 1.
  --out writes one row per (solver, N): solver,steps,nfe,w2,mean_error,max_error,
  fitted_order,w2_reference,w2_floor (the reference's own W2 and that of two target samples).
  --png writes the two charts: endpoint error against N (log-log) and W2 against N.
  --stage k picks a stage (counted from 1; default the last).
)";

const char* const kDefaultSolvers = "euler,midpoint,heun,rk4";

std::vector<Solver> solversFrom(const Args& args) {
  std::vector<Solver> solvers;
  for (const std::string& name : args.list("--solvers", {"euler", "midpoint", "heun", "rk4"})) {
    const auto s = parseSolver(name);
    if (!s || isAdaptive(*s))
      throw UsageError("--solvers: '" + name + "' is not a fixed-step solver (choose from " +
                       kDefaultSolvers + ")");
    for (Solver seen : solvers)
      if (seen == *s) throw UsageError("--solvers names '" + name + "' twice");
    solvers.push_back(*s);
  }
  return solvers;
}

std::vector<int> stepsFrom(const Args& args) {
  std::vector<int> steps;
  for (const std::string& word : args.list("--steps", {"1", "2", "4", "8", "16", "32", "100"})) {
    long n = 0;
    if (!parseLong(word, n) || n < 1 || n > 100000)
      throw UsageError("--steps expects step counts in [1, 100000], got '" + word + "'");
    for (int seen : steps)
      if (seen == n) throw UsageError("--steps names " + word + " twice");
    steps.push_back(static_cast<int>(n));
  }
  return steps;
}

double orderOf(const SolverStudy& study, Solver s) {
  for (const SolverOrder& o : study.orders)
    if (o.solver == s) return o.order;
  return NAN;
}

std::string studyCsv(const SolverStudy& study) {
  std::string text =
      "solver,steps,nfe,w2,mean_error,max_error,fitted_order,w2_reference,w2_floor\n";
  char buf[256];
  for (const SolverStudyRow& r : study.rows) {
    std::snprintf(buf, sizeof buf, "%s,%d,%ld,%.9g,%.9g,%.9g,%.6g,%.9g,%.9g\n",
                  std::string(solverName(r.solver)).c_str(), r.steps, r.nfe, r.w2, r.error.mean,
                  r.error.max, orderOf(study, r.solver), study.referenceW2, study.w2Floor);
    text += buf;
  }
  return text;
}

void printStudy(const SolverStudy& study) {
  std::printf("%-9s %6s %6s %9s %12s %12s\n", "solver", "N", "NFE", "W2", "mean error",
              "max error");
  for (const SolverStudyRow& r : study.rows)
    std::printf("%-9s %6d %6ld %9.4f %12.4g %12.4g\n", std::string(solverName(r.solver)).c_str(),
                r.steps, r.nfe, r.w2, r.error.mean, r.error.max);
  std::printf("reference (dopri5, 1e-7): W2 %.4f, NFE %ld; W2 floor (two target samples) %.4f\n",
              study.referenceW2, study.referenceNfe, study.w2Floor);
  std::printf("fitted order (error = C*N^-p, largest N above the float floor):");
  for (const SolverOrder& o : study.orders)
    std::printf("  %s %.2f", std::string(solverName(o.solver)).c_str(), o.order);
  std::printf("\n");
}

Colour solverColour(Solver s) {
  switch (s) {
    case Solver::Euler:
      return {0.95f, 0.45f, 0.35f};
    case Solver::Midpoint:
      return {0.95f, 0.80f, 0.30f};
    case Solver::Heun:
      return {0.45f, 0.80f, 0.45f};
    default:
      return {0.40f, 0.65f, 1.00f};
  }
}

// Endpoint error against N (log-log, each solver's fitted order in its legend) and W2 against N
// (log N) with the reference's W2 as a dashed line.
void writeStudyPng(const std::string& path, const SolverStudy& study) {
  ChartSpec error, w2;
  error.title = "endpoint error at t = 1";
  error.xLabel = "steps N";
  error.yLabel = "mean |x_N - x_ref|";
  error.logX = error.logY = true;
  w2.title = "W2 to the target";
  w2.xLabel = "steps N";
  w2.logX = true;
  char ref[64];
  std::snprintf(ref, sizeof ref, "dopri5 reference %.3f", study.referenceW2);
  w2.reference = study.referenceW2;
  w2.referenceLabel = ref;
  for (const SolverOrder& o : study.orders) {
    ChartSeries e, w;
    char name[64];
    std::snprintf(name, sizeof name, "%s (p = %.2f)", std::string(solverName(o.solver)).c_str(),
                  o.order);
    e.name = name;
    w.name = std::string(solverName(o.solver));
    e.colour = w.colour = solverColour(o.solver);
    for (const SolverStudyRow& r : study.rows) {
      if (r.solver != o.solver) continue;
      e.x.push_back(r.steps);
      e.y.push_back(r.error.mean);
      w.x.push_back(r.steps);
      w.y.push_back(r.w2);
    }
    error.series.push_back(e);
    w2.series.push_back(w);
  }
  RgbImage image(1000, 420, Colour{0.07f, 0.08f, 0.1f});
  drawChart(image, 10, 10, 480, 400, error);
  drawChart(image, 510, 10, 480, 400, w2);
  writePngAtomically(path, image);
}

}  // namespace

int runSolvers(int argc, char** argv) {
  std::vector<OptionSpec> specs = {{"--help", 0},    {"--stage", 1}, {"--solvers", 1},
                                   {"--steps", 1},   {"--n", 1},     {"--seed", 1},
                                   {"--threads", 1}, {"--out", 1},   {"--png", 1}};
  for (const auto& s : targetOptions()) specs.push_back(s);
  const Args args(argc, argv, 2, specs);
  if (args.has("--help")) {
    std::cout << kSolversHelp;
    return 0;
  }
  const LoadedStage loaded = loadStage(args);
  if (!isContinuous(loaded.model.config.method))
    throw UsageError("this model (" + std::string(methodName(loaded.model.config.method)) +
                     ") has no velocity field: RealNVP maps in one step, there is no ODE to solve");
  const auto target = targetFrom(args, true);
  SolverStudyOptions options;
  options.solvers = solversFrom(args);
  options.steps = stepsFrom(args);
  options.n = static_cast<int>(args.integer("--n", 2000, 2, 20000));
  options.seed = static_cast<std::uint64_t>(args.integer("--seed", 0, 0, 0x7fffffffffffffffL));
  options.threads = threadsFrom(args, hardwareThreads());
  const std::string out = args.requiredText("--out");
  if (!endsWith(out, ".csv")) throw UsageError("--out must name a .csv file, got '" + out + "'");
  const std::string png = args.text("--png", "");
  if (args.has("--png") && !endsWith(png, ".png"))
    throw UsageError("--png must name a .png file, got '" + png + "'");
  if (png == out) throw UsageError("--out and --png name the same file");
  for (const std::string& output : {out, png})
    if (!output.empty() && sameFile(output, args.positional()[0]))
      throw UsageError("'" + output + "' is the model file; write the results elsewhere");

  const SolverStudy study = solverStudy(loaded.model.config, loaded.params(), *target, options);
  printStudy(study);
  writeFileAtomically(out, studyCsv(study));
  if (!png.empty()) writeStudyPng(png, study);
  return 0;
}

}  // namespace flowlab::core::cli
