// `flowlab bench`: throughput figures measured on this machine, medians of repeated timed
// blocks: flow-matching and CNF training steps/s (one thread), sampling point-steps/s (one
// thread), density grid and OT timings, and the fraction of the core's float FMA peak reached.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/base/parallel.hpp"
#include "core/cli/cli_common.hpp"
#include "core/eval/density_grid.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/eval/metrics.hpp"
#include "core/nn/kernel_set.hpp"
#include "core/objectives/ot.hpp"
#include "core/training/training_session.hpp"

namespace flowlab::core::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Steps per second of a training session: median over `reps` blocks of ~`blockSeconds`.
double trainingRate(const TrainerConfig& config, int reps, double blockSeconds) {
  TrainingSession session(config, makeBuiltinTarget("8gaussians"));
  const auto warm = Clock::now();
  while (seconds(warm, Clock::now()) < 0.2) session.step();
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    long steps = 0;
    const auto start = Clock::now();
    double elapsed = 0.0;
    while (elapsed < blockSeconds) {
      session.step();
      ++steps;
      if (steps % 8 == 0) elapsed = seconds(start, Clock::now());
    }
    rates.push_back(steps / seconds(start, Clock::now()));
  }
  return median(rates);
}

// One core's float FMA peak: the median of three runs of the probe of the widest kernel set the
// CPU runs (whatever set is active), so a peak fraction says how much of the machine a part uses.
double fmaPeakGflops() {
  const KernelTable& widest = kernelTable(runnableKernelSets().front());
  std::vector<double> rates;
  for (int r = 0; r < 3; ++r) rates.push_back(widest.fmaPeakGflops(50'000'000));
  return median(rates);
}

// Multiply-adds of one point through the MLP's weight matrices: all layers, and all but the
// first (whose input gradient a training step never needs).
struct LayerMacs {
  double all = 0.0, rest = 0.0;
};

LayerMacs layerMacs(const MlpConfig& m) {
  std::vector<double> dims{double(m.inputWidth())};
  for (int l = 0; l < m.layers; ++l) dims.push_back(m.hidden);
  dims.push_back(m.outDim);
  LayerMacs macs;
  for (std::size_t l = 0; l + 1 < dims.size(); ++l) {
    macs.all += dims[l] * dims[l + 1];
    if (l > 0) macs.rest += dims[l] * dims[l + 1];
  }
  return macs;
}

// Multiply-add FLOPs of one FM training step (forward, weight gradients, input gradients of
// every layer but the first), the same count as the PyTorch peer's peak.py.
double fmStepFlops(const MlpConfig& m, int batch) {
  const LayerMacs macs = layerMacs(m);
  return 2.0 * batch * (2.0 * macs.all + macs.rest);
}

// Multiply-add FLOPs of one exact-trace CNF training step by backpropagation through a
// fixed-step solver, as flowlab computes it. Per field evaluation and point: the primal through
// every layer and the two basis tangents through every layer but the first (the first layer's
// tangents are its weight columns); in reverse, weight gradients of the same three streams,
// input gradients of all three streams through every layer but the first, and the state
// gradient through the first layer's x columns. The PyTorch peer's profiler count of the same
// step (two VJPs, double backward) is about 2% higher.
double cnfStepFlops(const TrainerConfig& c) {
  const LayerMacs macs = layerMacs(c.mlp);
  const double macsPerEvaluation =
      2.0 * macs.all + 7.0 * macs.rest + double(c.mlp.inDim) * c.mlp.hidden;
  const double evaluations = double(c.cnf.solver.steps) * stagesPerStep(c.cnf.solver.solver);
  return 2.0 * c.batch * evaluations * macsPerEvaluation;
}

// The parts of `flowlab bench`, in the order they run.
const std::vector<std::string> kBenchParts{"fm", "sampling", "cnf", "grid", "ot", "peak"};

// What each part measures, as its progress line says.
const std::map<std::string, const char*> kBenchPartNotes{{"fm", "flow-matching training steps"},
                                                         {"sampling", "sampling throughput"},
                                                         {"cnf", "CNF training steps"},
                                                         {"grid", "density grids"},
                                                         {"ot", "optimal transport"},
                                                         {"peak", "FMA peak"}};

// The parts named by --only (comma-separated), or all of them.
std::vector<std::string> benchParts(const Args& args) {
  const std::vector<std::string> parts = args.list("--only", kBenchParts);
  for (const std::string& part : parts) {
    if (std::find(kBenchParts.begin(), kBenchParts.end(), part) != kBenchParts.end()) continue;
    std::string known;
    for (const std::string& p : kBenchParts) known += (known.empty() ? "" : ", ") + p;
    throw UsageError("--only: unknown part '" + part + "' (expected a comma-separated list of " +
                     known + ")");
  }
  return parts;
}

// Median seconds of `reps` log-density grids 128×128 (RK4 8 steps, exact divergence, every
// core) of a freshly initialised model of this configuration, after one warm-up grid.
double densityGridSeconds(const TrainerConfig& config, int reps) {
  ParamVec params(parameterCount(config));
  Rng rng(2);
  initialParameters(config, params, rng);
  DensityGridSpec spec;
  spec.solver = SolverConfig::rk4(8);
  spec.threads = hardwareThreads();
  computeLogDensityGrid(config, params, spec);
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    computeLogDensityGrid(config, params, spec);
    times.push_back(seconds(start, Clock::now()));
  }
  return median(times);
}

// The models every part measures: the PyTorch peer's.
struct BenchModels {
  TrainerConfig fm;   // flow matching: 3×64 SiLU, batch 256, one thread
  TrainerConfig cnf;  // CNF: 3×64 tanh, RK4 8 steps, exact trace, batch 256, one thread
  BenchModels() {
    fm.method = Method::FlowMatching;
    fm.threads = 1;
    cnf.method = Method::Cnf;
    cnf.mlp.activation = Activation::Tanh;
    cnf.threads = 1;
  }
};

// How long each timed part runs: --quick trades precision for a smoke run.
struct BenchEffort {
  int reps = 5;               // timed blocks per training rate and grid
  double blockSeconds = 1.0;  // length of one training block
  int samplingReps = 3;       // timed sampling runs
};

void measureFm(const BenchModels& m, const BenchEffort& e, nlohmann::json& out) {
  out["fm_train_steps_per_s"] = trainingRate(m.fm, e.reps, e.blockSeconds);
  out["fm_step_flops"] = fmStepFlops(m.fm.mlp, m.fm.batch);
}

// Median seconds of `reps` runs of `sample` on a copy of x0.
template <typename Sample>
double medianSamplingSeconds(const Points& x0, int reps, Sample sample) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    Points x = x0;
    const auto start = Clock::now();
    sample(x);
    times.push_back(seconds(start, Clock::now()));
  }
  return median(times);
}

// Point-steps/s of RK4 and Euler (100 steps, 10k points) on one thread, and RK4 on every core
// (points split across threads, for comparison with a peer given the same cores).
void measureSampling(const BenchModels& m, const BenchEffort& e, nlohmann::json& out) {
  ParamVec params(parameterCount(m.fm));
  Rng rng(1);
  initialParameters(m.fm, params, rng);
  FlowEvaluator flow(m.fm, params);
  Points x0(2, 10000);
  rng.fillNormal(x0);
  const double pointSteps = 10000.0 * 100.0;
  for (Solver s : {Solver::RK4, Solver::Euler}) {
    const double t = medianSamplingSeconds(
        x0, e.samplingReps, [&](Points& x) { flow.sample(x, SolverConfig::fixed(s, 100)); });
    out[std::string(solverName(s)) + "_point_steps_per_s"] = pointSteps / t;
  }
  const int threads = hardwareThreads();
  const double t = medianSamplingSeconds(x0, e.samplingReps, [&](Points& x) {
    sampleFlow(m.fm, params, x, SolverConfig::rk4(100), threads);
  });
  out["rk4_point_steps_per_s_all_threads"] = pointSteps / t;
  out["sampling_threads"] = threads;
  // Arithmetic of one RK4 point-step: four forward passes.
  out["rk4_point_step_flops"] = 4.0 * Mlp(m.fm.mlp).forwardFlopsPerPoint();
}

void measureCnf(const BenchModels& m, const BenchEffort& e, nlohmann::json& out) {
  try {
    out["cnf_train_steps_per_s"] = trainingRate(m.cnf, e.reps, e.blockSeconds);
    out["cnf_step_flops"] = cnfStepFlops(m.cnf);
  } catch (const std::exception& ex) {
    out["cnf_train_steps_per_s"] = nullptr;
    out["cnf_error"] = ex.what();
  }
}

// Both 3×64 models: the CNF's (tanh) and flow matching's (SiLU, a costlier activation).
void measureGrid(const BenchModels& m, const BenchEffort& e, nlohmann::json& out) {
  try {
    out["density_grid_128_rk4_8_seconds_cnf_tanh"] = densityGridSeconds(m.cnf, e.reps);
    out["density_grid_128_rk4_8_seconds_fm_silu"] = densityGridSeconds(m.fm, e.reps);
    out["density_grid_threads"] = hardwareThreads();
  } catch (const std::exception& ex) {
    out["density_grid_error"] = ex.what();
  }
}

// The exact assignment of 256 normal points to 256 target points (median of 30), and one
// exact W2 between two target samples of 2000.
void measureOt(nlohmann::json& out) {
  auto target = makeBuiltinTarget("8gaussians");
  Rng rng(3);
  Points a(2, 256), b(2, 256);
  Eigen::MatrixXd cost;
  std::vector<int> assignment;
  AssignmentSolver solver;
  std::vector<double> times;
  for (int r = 0; r < 30; ++r) {
    rng.fillNormal(a);
    target->sample(b, rng);
    squaredDistances(a, b, cost);
    const auto start = Clock::now();
    solver.solve(cost, assignment);
    times.push_back(seconds(start, Clock::now()) * 1e3);
  }
  out["ot_assignment_256_ms"] = median(times);
  Points c(2, 2000), d(2, 2000);
  target->sample(c, rng);
  target->sample(d, rng);
  const auto start = Clock::now();
  w2Exact(c, d);
  out["w2_exact_2000_seconds"] = seconds(start, Clock::now());
}

// One core's FMA peak, and the GFLOP/s and peak fraction of each part that ran (its rate × its
// FLOPs per unit).
void measurePeak(nlohmann::json& out) {
  const double peak = fmaPeakGflops();
  out["fma_peak_gflops_one_core"] = peak;
  out["fma_peak_simd"] = std::string(kernelSetName(runnableKernelSets().front()));
  auto arithmetic = [&](const char* rate, const char* flops, const char* gflopsKey,
                        const char* fractionKey) {
    if (!out.contains(flops) || !out.contains(rate) || !out[rate].is_number()) return;
    const double gflops = out[rate].get<double>() * out[flops].get<double>() / 1e9;
    out[gflopsKey] = gflops;
    out[fractionKey] = gflops / peak;
  };
  arithmetic("fm_train_steps_per_s", "fm_step_flops", "fm_train_gflops", "fm_peak_fraction");
  arithmetic("cnf_train_steps_per_s", "cnf_step_flops", "cnf_train_gflops", "cnf_peak_fraction");
  arithmetic("rk4_point_steps_per_s", "rk4_point_step_flops", "rk4_gflops", "rk4_peak_fraction");
}

// The human-readable table of whatever parts ran.
void printTable(const nlohmann::json& out) {
  std::printf("%s, kernel set %s (widest this CPU runs: %s)\n",
              out["cpu"].get<std::string>().c_str(), out["simd"].get<std::string>().c_str(),
              out["simd_widest"].get<std::string>().c_str());
  auto show = [&](const char* key, const char* label, const char* unit) {
    if (out.contains(key) && out[key].is_number())
      std::printf("%-44s %12.4g %s\n", label, out[key].get<double>(), unit);
    else if (out.contains(key))
      std::printf("%-44s %12s\n", label, "n/a");
  };
  show("fm_train_steps_per_s", "FM training, 3x64, batch 256, 1 thread", "steps/s");
  show("fm_train_gflops", "  arithmetic rate", "GFLOP/s");
  show("fm_peak_fraction", "  fraction of one core's FMA peak", "");
  show("rk4_point_steps_per_s", "sampling RK4, 10k points x 100 steps, 1 thread", "point-steps/s");
  show("rk4_gflops", "  arithmetic rate", "GFLOP/s");
  show("rk4_peak_fraction", "  fraction of one core's FMA peak", "");
  show("rk4_point_steps_per_s_all_threads", "sampling RK4, 10k x 100, all cores", "point-steps/s");
  show("euler_point_steps_per_s", "sampling Euler, 10k x 100, 1 thread", "point-steps/s");
  show("cnf_train_steps_per_s", "CNF training, RK4 8 steps, exact trace, 1 thread", "steps/s");
  show("cnf_train_gflops", "  arithmetic rate", "GFLOP/s");
  show("cnf_peak_fraction", "  fraction of one core's FMA peak", "");
  show("density_grid_128_rk4_8_seconds_cnf_tanh", "density grid 128x128, RK4 8, CNF 3x64 tanh",
       "s");
  show("density_grid_128_rk4_8_seconds_fm_silu", "density grid 128x128, RK4 8, FM 3x64 SiLU", "s");
  show("ot_assignment_256_ms", "exact assignment 256x256", "ms");
  show("w2_exact_2000_seconds", "exact W2, n = 2000", "s");
  show("fma_peak_gflops_one_core", "float FMA peak, one core", "GFLOP/s");
}

}  // namespace

int runBench(int argc, char** argv) {
  const Args args(argc, argv, 2, {{"--help", 0}, {"--json", 0}, {"--quick", 0}, {"--only", 1}});
  if (args.has("--help")) {
    std::cout << "usage: flowlab bench [--json] [--quick] [--only PARTS]\n"
                 "  Training and sampling throughput on this machine (medians of timed blocks).\n"
                 "  --quick uses short blocks (a smoke run; figures are noisier).\n"
                 "  --only runs some parts, comma-separated: fm (flow-matching training steps),\n"
                 "    sampling (RK4/Euler point-steps), cnf (CNF training steps), grid (128x128\n"
                 "    density grids), ot (exact assignment, W2), peak (one core's FMA peak and\n"
                 "    the fractions of it reached). Default: all.\n";
    return 0;
  }
  expectPositional(args, 0, "");
  const std::vector<std::string> parts = benchParts(args);
  BenchEffort effort;
  if (args.has("--quick")) effort = {3, 0.2, 1};
  const BenchModels models;
  nlohmann::json out;
  const std::vector<std::pair<const char*, std::function<void()>>> steps{
      {"fm", [&] { measureFm(models, effort, out); }},
      {"sampling", [&] { measureSampling(models, effort, out); }},
      {"cnf", [&] { measureCnf(models, effort, out); }},
      {"grid", [&] { measureGrid(models, effort, out); }},
      {"ot", [&] { measureOt(out); }},
      {"peak", [&] { measurePeak(out); }}};
  for (const auto& [part, measure] : steps) {
    if (std::find(parts.begin(), parts.end(), part) == parts.end()) continue;
    if (!args.has("--json")) std::fprintf(stderr, "measuring %s …\n", kBenchPartNotes.at(part));
    measure();
  }
  out["threads"] = 1;
  out["simd"] = std::string(kernelSetName(activeKernelSet()));
  out["simd_widest"] = std::string(kernelSetName(runnableKernelSets().front()));
  out["cpu"] = cpuModelName();
  if (args.has("--json"))
    std::cout << out.dump(1) << "\n";
  else
    printTable(out);
  return 0;
}

}  // namespace flowlab::core::cli
