// The CLI as a user drives it: every kind of bad input is one clear line and a non-zero exit,
// and never leaves an output file behind; a small train → sample → logp → eval run works.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/base/rng.hpp"
#include "core/cli/args.hpp"
#include "core/cli/cli.hpp"
#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/npy.hpp"
#include "core/io/png_image.hpp"
#include "core/io/session_io.hpp"
#include "core/nn/kernel_set.hpp"
#include "tests/core/cli/cli_runner.hpp"

using namespace flowlab::core;
namespace fs = std::filesystem;

namespace {

using flowlab::testing::checkFails;
using flowlab::testing::stderrOf;
using Result = flowlab::testing::CliResult;

Result run(const std::vector<std::string>& words) { return flowlab::testing::runCli(words); }
std::string temp(const std::string& name) { return flowlab::testing::tempPath(name); }

}  // namespace

TEST_CASE("bad input gets one clear line and a non-zero exit") {
  const std::string out = temp("out.json");
  checkFails({"frobnicate"}, "unknown command", out);
  checkFails({"train", "--target", "moonz", "--method", "fm", "--out", out},
             "unknown target 'moonz'", out);
  checkFails({"train", "--target", "moons", "--method", "gan", "--out", out},
             "unknown method 'gan'", out);
  checkFails({"train", "--target", "moons", "--method", "fm"}, "--out", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--steps", "0"},
             "--steps", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--batch", "-5"},
             "--batch", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--batch", "1e9"},
             "--batch", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--lr", "abc"}, "--lr",
             out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--lr", "nan"}, "--lr",
             out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--hidden", "100000"},
             "--hidden", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--frobs", "1"},
             "unknown option --frobs", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--steps"},
             "--steps needs", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--reflow", "2"},
             "--reflow", out);
  checkFails({"train", "--target", "moons", "--method", "rf", "--out", out, "--solver", "rk5"},
             "unknown solver", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", "/nonexistent/dir/m.json"},
             "cannot write");
  checkFails({"train", "--target-image", temp("missing.png"), "--method", "fm", "--out", out},
             "missing.png", out);
  const std::string garbage = temp("garbage.png");
  writeFileAtomically(garbage, "this is not an image");
  checkFails({"train", "--target-image", garbage, "--method", "fm", "--out", out}, "garbage.png",
             out);

  const std::string csv = temp("out.csv");
  checkFails({"sample", temp("nope.json"), "--n", "10", "--out", csv}, "nope.json", csv);
  checkFails({"sample", garbage, "--n", "10", "--out", csv}, "garbage.png", csv);
  checkFails({"sample"}, "MODEL", csv);
  checkFails({"eval"}, "MODEL");
  checkFails({"logp", temp("nope.json"), "--in", csv, "--out", csv}, "nope.json");
  checkFails({"density", temp("nope.json"), "--out", temp("d.txt")}, "");
  checkFails({"targets", "extra"}, "unexpected argument");
  checkFails({"bench", "--only", "cnf,gird"}, "unknown part 'gird'");
  checkFails({"bench", "--only", ""}, "--only");
  checkFails({"bench", "--only", "cnf,,grid"}, "without empty items");
  std::remove(garbage.c_str());
}

TEST_CASE("train, sample, logp and eval work end to end on a tiny run") {
  const std::string model = temp("tiny.json"), samples = temp("samples.csv"),
                    logp = temp("logp.csv"), traj = temp("traj.csv");
  Result r =
      run({"train", "--target", "8gaussians", "--method", "rf", "--steps", "300", "--reflow", "1",
           "--reflow-pairs", "2000", "--hidden", "16", "--layers", "2", "--quiet", "--out", model});
  REQUIRE(r.code == 0);
  REQUIRE(fs::exists(model));

  r = run({"sample", model, "--n", "50", "--solver", "rk4", "--solver-steps", "10", "--out",
           samples, "--trajectories", traj});
  REQUIRE(r.code == 0);
  const Points x = readPointsCsv(samples);
  CHECK(x.cols() == 50);
  CHECK(x.allFinite());
  CHECK(readTextFile(traj).rfind("point,t,x,y\n", 0) == 0);

  const std::string other = temp("other.csv");
  // Stages count from 1 (the model has two: 1-RF and one reflow round).
  checkFails({"sample", model, "--stage", "3", "--n", "5", "--out", other}, "--stage", other);
  checkFails({"sample", model, "--stage", "0", "--n", "5", "--out", other}, "counts from 1", other);
  checkFails(
      {"sample", model, "--n", "5", "--solver", "dopri5", "--solver-steps", "3", "--out", other},
      "--solver-steps", other);
  checkFails({"sample", model, "--n", "0", "--out", other}, "--n", other);

  r = run({"logp", model, "--in", samples, "--out", logp});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const std::string text = readTextFile(logp);
  CHECK(text.rfind("logp\n", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 51);

  const std::string badCsv = temp("bad.csv");
  writeFileAtomically(badCsv, "x,y\n1,2\noops\n");
  checkFails({"logp", model, "--in", badCsv, "--out", logp}, "line 3", logp);

  r = run({"eval", model, "--target", "8gaussians", "--n", "200", "--json"});
  CHECK(r.code == 0);
  const auto rows = nlohmann::json::parse(r.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["stage"] == 1);
  CHECK(rows[1]["stage"] == 2);
  r = run({"eval", model, "--target", "8gaussians", "--n", "200", "--json", "--stage", "2"});
  CHECK(r.code == 0);
  const auto last = nlohmann::json::parse(r.out);
  REQUIRE(last.size() == 1);
  CHECK(last[0]["stage"] == 2);
  CHECK(last[0]["w2"] == rows[1]["w2"]);
  for (const auto& f : {model, samples, logp, traj, badCsv}) std::remove(f.c_str());
}

namespace {

// The rows of a CSV text (header first), split on commas.
std::vector<std::vector<std::string>> csvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream cellsIn(line);
    for (std::string cell; std::getline(cellsIn, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

std::vector<std::string> tinyCnf(const std::string& out) {
  return {"train", "--target",       "8gaussians", "--method", "cnf",   "--hidden",
          "8",     "--layers",       "1",          "--batch",  "32",    "--solver",
          "rk4",   "--solver-steps", "2",          "--quiet",  "--out", out};
}

std::vector<std::string> with(std::vector<std::string> words,
                              const std::vector<std::string>& more) {
  words.insert(words.end(), more.begin(), more.end());
  return words;
}

}  // namespace

TEST_CASE("held-out evaluation options: bad values get one clear line and leave no file") {
  const std::string model = temp("eval_model.json"), log = temp("eval_log.csv");
  std::remove(model.c_str());
  const auto base = tinyCnf(model);
  checkFails(with(base, {"--eval-every", "0"}), "--eval-every", model);
  checkFails(with(base, {"--eval-every", "ten"}), "--eval-every", model);
  checkFails(with(base, {"--eval-every", "-3"}), "--eval-every", model);
  checkFails(with(base, {"--eval-n", "100"}), "need --eval-every", model);
  checkFails(with(base, {"--log", log}), "need --eval-every", log);
  checkFails(with(base, {"--stop-at-gap"}), "need --eval-every", model);
  checkFails(with(base, {"--eval-every", "10", "--eval-n", "0"}), "--eval-n", model);
  checkFails(with(base, {"--eval-every", "10", "--eval-n", "1e9"}), "--eval-n", model);
  checkFails(with(base, {"--eval-every", "10", "--gap", "-0.1"}), "--gap", model);
  checkFails(with(base, {"--eval-every", "10", "--gap", "inf"}), "--gap", model);
  checkFails(with(base, {"--eval-every", "10", "--log", temp("eval_log.txt")}),
             "--log must name a .csv", temp("eval_log.txt"));
  checkFails(with(base, {"--eval-every", "10", "--log", "/nonexistent/dir/log.csv"}),
             "cannot write", model);
  checkFails(with(base, {"--eval-every", "10", "--log", model}), "--log must name a .csv", model);
  const std::string csvModel = temp("eval_model.csv");
  checkFails({"train", "--target", "8gaussians", "--method", "cnf", "--out", csvModel,
              "--eval-every", "10", "--log", csvModel},
             "same file", csvModel);
  checkFails({"train", "--target-image", temp("missing.png"), "--method", "cnf", "--out", model,
              "--eval-every", "10", "--stop-at-gap"},
             "built-in --target", model);
  checkFails({"train", "--target-image", temp("missing.png"), "--method", "cnf", "--out", model,
              "--eval-every", "10", "--gap", "0.2"},
             "built-in --target", model);
  CHECK_FALSE(fs::exists(log));
}

TEST_CASE("--eval-every logs held-out NLL, training time and NFE at every checkpoint") {
  const std::string model = temp("eval_run.json"), log = temp("eval_run.csv");
  std::remove(log.c_str());
  Result r = run(with(tinyCnf(model),
                      {"--steps", "50", "--eval-every", "20", "--eval-n", "300", "--log", log}));
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csvRows(readTextFile(log));
  REQUIRE(rows.size() == 4);  // header + steps 20, 40 and the last step 50
  CHECK(rows[0] == std::vector<std::string>{"step", "train_s", "train_cpu_s", "nll_fine",
                                            "nll_train_solver", "loss", "nfe_forward",
                                            "nfe_backward"});
  double previousSeconds = 0.0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const auto& row = rows[k];
    REQUIRE(row.size() == 8);
    CHECK(row[0] == std::vector<std::string>{"20", "40", "50"}[k - 1]);
    const double seconds = std::stod(row[1]), nllFine = std::stod(row[3]),
                 nllTrain = std::stod(row[4]);
    CHECK(seconds > previousSeconds);  // training time only grows
    previousSeconds = seconds;
    CHECK(std::stod(row[2]) >= 0.0);
    // A barely trained 8-unit CNF: NLL well above H = 2.836 but finite, under both solvers.
    CHECK(std::isfinite(nllFine));
    CHECK(nllFine > 2.836);
    CHECK(nllFine < 20.0);
    CHECK(std::isfinite(nllTrain));
    // RK4 with 2 steps: 4 stages per step, each reversed once by backprop through the solver.
    CHECK(row[6] == "8");
    CHECK(row[7] == "8");
  }
  const Model trained = loadModel(model);
  CHECK(trained.stages.back().stepsTrained == 50);
  for (const auto& f : {model, log}) std::remove(f.c_str());
}

TEST_CASE("--stop-at-gap stops at the first checkpoint under H + gap, dopri5 NFE are logged") {
  const std::string model = temp("gap_run.json"), log = temp("gap_run.csv");
  // A gap of 100 nats is reached at the first checkpoint, so training stops at step 10.
  Result r = run({"train",  "--target",      "8gaussians", "--method", "cnf",     "--hidden",
                  "8",      "--layers",      "1",          "--batch",  "32",      "--solver",
                  "dopri5", "--rtol",        "1e-3",       "--atol",   "1e-3",    "--steps",
                  "200",    "--eval-every",  "10",         "--eval-n", "200",     "--gap",
                  "100",    "--stop-at-gap", "--log",      log,        "--quiet", "--out",
                  model});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csvRows(readTextFile(log));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][0] == "10");
  CHECK(std::stol(rows[1][6]) >= 7);  // Dopri5: at least one accepted step of 6 stages + FSAL
  CHECK(std::stol(rows[1][7]) >= 6);
  CHECK(loadModel(model).stages.back().stepsTrained == 10);
  for (const auto& f : {model, log}) std::remove(f.c_str());
}

TEST_CASE("the held-out log exposes a CNF that exploits a coarse training solver") {
  // Two Euler steps on checkerboard: the model learns the discretisation, so its NLL under the
  // training solver falls below the entropy H = ln 32 (impossible for a true density) while the
  // fine solver's NLL stays far above it.
  const std::string model = temp("exploit.json"), log = temp("exploit.csv");
  Result r = run({"train",
                  "--target",
                  "checkerboard",
                  "--method",
                  "cnf",
                  "--solver",
                  "euler",
                  "--solver-steps",
                  "2",
                  "--steps",
                  "600",
                  "--threads",
                  "1",
                  "--eval-every",
                  "600",
                  "--eval-n",
                  "2000",
                  "--log",
                  log,
                  "--quiet",
                  "--out",
                  model});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csvRows(readTextFile(log));
  REQUIRE(rows.size() == 2);
  const double nllFine = std::stod(rows[1][3]), nllTrain = std::stod(rows[1][4]);
  const double entropy = std::log(32.0);
  CHECK(nllTrain < entropy);
  CHECK(nllFine > entropy + 0.5);
  CHECK(rows[1][6] == "2");
  for (const auto& f : {model, log}) std::remove(f.c_str());
}

TEST_CASE("bench reports the CNF step's arithmetic against the core's FMA peak") {
  // bench-vs-peer judges the 4× CNF bar by the fraction of the FMA peak each program reaches,
  // so the count and the rates derived from it must be right.
  const Result r = run({"bench", "--quick", "--json", "--only", "cnf,peak"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  // The peer's 3×64 tanh CNF, RK4 8 steps (32 evaluations), batch 256. Per evaluation and
  // point, in MACs: 2·8512 for the primal's forward and weight gradients over all layers;
  // 7·8320 over every layer but the first, for the two tangents' forward and weight gradients
  // and the three streams' input gradients; 2·64 for the state gradient through W₁.
  CHECK(j.at("cnf_step_flops").get<double>() ==
        doctest::Approx(2.0 * 256 * 32 * (2 * 8512 + 7 * 8320 + 128)));
  const double rate = j.at("cnf_train_steps_per_s").get<double>();
  CHECK(rate > 0.0);
  CHECK(j.at("cnf_train_gflops").get<double>() ==
        doctest::Approx(rate * j.at("cnf_step_flops").get<double>() / 1e9));
  const double fraction = j.at("cnf_peak_fraction").get<double>();
  CHECK(fraction > 0.0);
  CHECK(fraction == doctest::Approx(j.at("cnf_train_gflops").get<double>() /
                                    j.at("fma_peak_gflops_one_core").get<double>()));
  // The kernel set that ran and the one the peak was measured with are named, with the CPU.
  CHECK(j.at("simd") == std::string(kernelSetName(activeKernelSet())));
  CHECK(j.at("fma_peak_simd") == std::string(kernelSetName(runnableKernelSets().front())));
  CHECK_FALSE(j.at("cpu").get<std::string>().empty());
}

TEST_CASE("solvers: one row per solver and step count, orders, the charts, and bad input") {
  const std::string model = temp("solvers_model.json"), csv = temp("solvers.csv"),
                    png = temp("solvers.png");
  REQUIRE(run({"train", "--target", "moons", "--method", "fm", "--steps", "300", "--hidden", "16",
               "--layers", "2", "--quiet", "--out", model})
              .code == 0);
  const Result r = run({"solvers", model, "--target", "moons", "--steps", "1,2,4,8", "--n", "200",
                        "--out", csv, "--png", png});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csvRows(readTextFile(csv));
  REQUIRE(rows.size() == 1 + 4 * 4);
  CHECK(rows[0][0] == "solver");
  CHECK(rows[0][6] == "fitted_order");
  CHECK(rows[1][0] == "euler");
  CHECK(rows[1][1] == "1");
  CHECK(rows[1][2] == "1");  // NFE
  CHECK(rows[16][0] == "rk4");
  CHECK(rows[16][1] == "8");
  CHECK(rows[16][2] == "32");
  // Euler's endpoint error falls with N.
  CHECK(std::stod(rows[4][4]) < std::stod(rows[1][4]));
  CHECK(fs::file_size(png) > 1000);

  checkFails({"solvers", model, "--target", "moons", "--solvers", "rk4,dopri5", "--out", csv},
             "dopri5", csv);
  checkFails({"solvers", model, "--target", "moons", "--solvers", "rk4,,euler", "--out", csv},
             "--solvers", csv);
  checkFails({"solvers", model, "--target", "moons", "--steps", "4,0", "--out", csv}, "--steps",
             csv);
  checkFails({"solvers", model, "--target", "moons", "--steps", "4,4", "--out", csv}, "twice", csv);
  checkFails({"solvers", model, "--target", "moons", "--out", temp("solvers.txt")}, ".csv");
  checkFails({"solvers", model, "--target", "moons", "--out", csv, "--png", csv}, "--png", csv);
  checkFails({"solvers", model, "--out", csv}, "--target", csv);
  // An output never replaces the model: a model named like a CSV stays a model.
  const std::string csvModel = temp("solvers_model.csv");
  fs::copy_file(model, csvModel, fs::copy_options::overwrite_existing);
  checkFails({"solvers", csvModel, "--target", "moons", "--out", csvModel}, "model file");
  CHECK(loadModel(csvModel).stages.size() == 1);
  std::remove(csvModel.c_str());
  const std::string nvp = temp("solvers_nvp.json");
  REQUIRE(run({"train", "--target", "moons", "--method", "realnvp", "--steps", "2", "--quiet",
               "--out", nvp})
              .code == 0);
  checkFails({"solvers", nvp, "--target", "moons", "--out", csv}, "no velocity field", csv);
  for (const auto& f : {model, csv, png, nvp}) std::remove(f.c_str());
}

TEST_CASE("compare: a table per row in a folder it creates, and bad input leaves no folder") {
  const std::string dir = temp("compare_dir");
  fs::remove_all(dir);
  const Result r = run({"compare", "--target", "8gaussians", "--reflow", "1", "--steps", "200",
                        "--n", "100", "--reflow-pairs", "2000", "--threads", "1", "--out", dir});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csvRows(readTextFile(dir + "/table.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0][0] == "name");
  CHECK(rows[0][5] == "ot_lower_bound");
  CHECK(rows[1][0] == "1-RF");
  CHECK(rows[2][0] == "2-RF");
  CHECK(rows[1][5] == rows[2][5]);                       // one bound for every row: the same points
  CHECK(std::stod(rows[2][3]) < std::stod(rows[1][3]));  // straighter after reflow
  const std::string md = readTextFile(dir + "/table.md");
  CHECK(md.find("| 2-RF |") != std::string::npos);
  CHECK(fs::file_size(dir + "/panels.png") > 10000);

  const std::string other = temp("compare_other");
  fs::remove_all(other);
  checkFails({"compare", "--target", "moons", "--out", other}, "--reflow");
  checkFails({"compare", "--target", "moons", "--reflow", "1", "--methods", "fm", "--out", other},
             "--reflow");
  checkFails({"compare", "--target", "moons", "--methods", "fm,bogus", "--out", other}, "bogus");
  checkFails({"compare", "--target", "moons", "--methods", "fm,fm", "--out", other}, "twice");
  checkFails(
      {"compare", "--target", "moons", "--methods", "fm", "--reflow-pairs", "10", "--out", other},
      "--reflow-pairs");
  checkFails({"compare", "--target", "moons", "--reflow", "99", "--out", other}, "--reflow");
  checkFails({"compare", "--reflow", "1", "--out", other}, "--target");
  CHECK_FALSE(fs::exists(other));
  // A file where the folder should be is refused, and stays as it was.
  const std::string file = temp("compare_file");
  writeFileAtomically(file, "keep me\n");
  checkFails({"compare", "--target", "moons", "--reflow", "1", "--out", file}, "folder");
  CHECK(readTextFile(file) == "keep me\n");
  // An output never replaces the target image it reads.
  const std::string imageDir = temp("compare_image");
  fs::remove_all(imageDir);
  fs::create_directory(imageDir);
  RgbImage picture(16, 16, Colour{0.9f, 0.9f, 0.9f});
  writePngAtomically(imageDir + "/panels.png", picture);
  const auto before = fs::file_size(imageDir + "/panels.png");
  checkFails(
      {"compare", "--target-image", imageDir + "/panels.png", "--reflow", "1", "--out", imageDir},
      "names an input");
  CHECK(fs::file_size(imageDir + "/panels.png") == before);
  fs::remove_all(imageDir);
  fs::remove_all(dir);
  std::remove(file.c_str());
}

TEST_CASE("npy: the format 1.0 header numpy reads, padded to 64 bytes, then the raw values") {
  const float values[6] = {1, 2, 3, 4, 5, 6};
  const std::string b = npyBytes(values, {3, 2});
  REQUIRE(b.size() > 10);
  CHECK(b.compare(0, 6, "\x93NUMPY") == 0);
  CHECK(b[6] == 1);
  CHECK(b[7] == 0);
  const std::size_t headerLength =
      static_cast<unsigned char>(b[8]) | (static_cast<std::size_t>(b[9]) << 8);
  CHECK((10 + headerLength) % 64 == 0);
  const std::string header = b.substr(10, headerLength);
  CHECK(header.find("'descr': '<f4'") != std::string::npos);
  CHECK(header.find("'fortran_order': False") != std::string::npos);
  CHECK(header.find("'shape': (3, 2)") != std::string::npos);
  CHECK(header.back() == '\n');
  REQUIRE(b.size() == 10 + headerLength + sizeof values);
  CHECK(std::memcmp(b.data() + 10 + headerLength, values, sizeof values) == 0);
  const double one[1] = {2.5};
  const std::string d = npyBytes(one, {1});
  CHECK(d.find("'descr': '<f8'") != std::string::npos);
  CHECK(d.find("'shape': (1,)") != std::string::npos);
  CHECK(isNpyPath("a/b.npy"));
  CHECK_FALSE(isNpyPath(".npy"));
  CHECK_FALSE(isNpyPath("x.npz"));
}

TEST_CASE("sample and logp refuse outputs that are not .csv/.npy or that name an input") {
  const std::string model = temp("refuse.json"), pts = temp("refuse.csv");
  REQUIRE(run({"train", "--target", "moons", "--method", "fm", "--steps", "20", "--hidden", "8",
               "--layers", "1", "--quiet", "--out", model})
              .code == 0);
  const std::string before = readTextFile(model);
  checkFails({"sample", model, "--n", "3", "--out", model}, ".csv or .npy");
  checkFails({"sample", model, "--n", "3", "--out", pts, "--trajectories", pts}, "overwrite");
  REQUIRE(run({"sample", model, "--n", "3", "--out", pts}).code == 0);
  checkFails({"logp", model, "--in", pts, "--out", pts}, "overwrite");
  checkFails({"density", model, "--out", model}, ".csv, .npy or .png");
  CHECK(readTextFile(model) == before);  // nothing replaced the model
  CHECK(readPointsCsv(pts).cols() == 3);
  for (const auto& f : {model, pts}) std::remove(f.c_str());
}

namespace {

// A PNG file's width and height (its IHDR chunk).
std::pair<int, int> pngSize(const std::string& path) {
  const std::string b = readTextFile(path);
  REQUIRE(b.size() > 24);
  auto be32 = [&](std::size_t at) {
    int v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("render: PNG frames of the flow from t = 0 to 1, video through ffmpeg when present") {
  const std::string model = temp("render.json"), dir = temp("render_frames") + "/";
  REQUIRE(run({"train", "--target", "moons", "--method", "fm", "--steps", "50", "--hidden", "8",
               "--layers", "1", "--quiet", "--out", model})
              .code == 0);
  fs::remove_all(dir);
  const Result r = run(
      {"render", model, "--frames", "3", "--size", "64", "48", "--particles", "500", "--out", dir});
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* f : {"frame_0000.png", "frame_0001.png", "frame_0002.png"}) {
    REQUIRE(fs::exists(dir + f));
    CHECK(pngSize(dir + f) == std::pair{64, 48});
  }
  CHECK_FALSE(fs::exists(dir + "frame_0003.png"));
  CHECK(readTextFile(dir + "frame_0000.png") != readTextFile(dir + "frame_0002.png"));  // t moved
  checkFails({"render", model, "--out", temp("render.txt")}, "FILE.mp4, FILE.gif or a folder");
  checkFails({"render", model, "--layers", "particles,clouds", "--out", dir}, "--layers");
  checkFails({"render", model, "--size", "65", "48", "--out", temp("odd.mp4")}, "even");
  // Without ffmpeg on PATH a video is refused before any work, with what to do instead.
  const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);
  checkFails({"render", model, "--out", temp("r.mp4")}, "needs ffmpeg", temp("r.mp4"));
  setenv("PATH", path.c_str(), 1);
  if (std::system("command -v ffmpeg > /dev/null 2>&1") == 0) {
    const std::string video = temp("render it's.mp4");  // a quote in the name, for the shell
    REQUIRE(run({"render", model, "--frames", "4", "--size", "64", "48", "--out", video}).code ==
            0);
    const std::string bytes = readTextFile(video);
    REQUIRE(bytes.size() > 8);
    CHECK(bytes.substr(4, 4) == "ftyp");  // an MP4 container
    std::remove(video.c_str());
  } else {
    MESSAGE("ffmpeg is not installed: the MP4 case is skipped");
  }
  fs::remove_all(dir);
  std::remove(model.c_str());
}

TEST_CASE("train --target-points: points from CSV or .npy as a kernel density estimate") {
  Points p(2, 200);
  Rng rng(1);
  rng.fillNormal(p);
  p.row(0) *= 2.0f;
  const std::string csv = temp("points_in.csv"), npy = temp("points_in.npy"),
                    model = temp("points_model.json");
  writeFileAtomically(csv, pointsCsv(p));
  writeFileAtomically(npy, npyBytes(p.data(), {200, 2}));
  for (const std::string& in : {csv, npy}) {
    const Result r = run({"train", "--target-points", in, "--method", "fm", "--steps", "20",
                          "--hidden", "8", "--layers", "1", "--quiet", "--out", model});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(loadModel(model).target == "points:" + in);
  }
  checkFails(
      {"train", "--target-points", csv, "--target", "moons", "--method", "fm", "--out", model},
      "not several", model);
  checkFails({"train", "--target", "moons", "--bandwidth", "0.2", "--method", "fm", "--out", model},
             "--target-points only", model);
  checkFails(
      {"train", "--target-points", csv, "--bandwidth", "-1", "--method", "fm", "--out", model},
      "--bandwidth", model);
  checkFails({"train", "--target-points", temp("nothing.csv"), "--method", "fm", "--out", model},
             "nothing.csv", model);
  for (const auto& f : {csv, npy, model}) std::remove(f.c_str());
}

TEST_CASE("option values: signs once, ranges said as written, coordinates bounded") {
  long n = 0;
  double x = 0;
  CHECK(parseLong("+5", n));
  CHECK(n == 5);
  CHECK_FALSE(parseLong("+-1", n));
  CHECK_FALSE(parseDouble("+-1", x));
  CHECK_FALSE(parseDouble("++1", x));
  CHECK(parseDouble("-1e-3", x));
  std::vector<std::string> words = {"flowlab", "--r", "2", "--box", "-1e308", "0", "1", "1"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  const Args args(static_cast<int>(argv.size()), argv.data(), 1, {{"--r", 1}, {"--box", 4}});
  CHECK_THROWS_WITH(args.real("--r", 0, 1e-6, 1.0), doctest::Contains("[1e-06, 1]"));
  CHECK_THROWS_WITH(args.reals("--box"), doctest::Contains("within ±1e+06"));
}

TEST_CASE("outputs that cannot be written are refused before the work, inputs named plainly") {
  const std::string dir = temp("an_output_folder");
  fs::create_directories(dir);
  checkFails({"train", "--target", "moons", "--method", "fm", "--steps", "100000000", "--out", dir},
             "not a regular file");
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", "/nonexistent/m.json"},
             "cannot write here");
  const std::string bom = temp("bom.csv"), garbage = temp("garbage.json");
  writeFileAtomically(bom, "\xEF\xBB\xBFx,y\n1,2\n");
  checkFails({"train", "--target-points", bom, "--method", "fm", "--out", temp("m.json")},
             "byte-order mark");
  writeFileAtomically(garbage, std::string("{\"a\": \x01\x02\x1b[31m\xff}", 14));
  const Result r = run({"sample", garbage, "--n", "3", "--out", temp("s.csv")});
  CHECK(r.code != 0);
  CHECK(r.err.find("invalid JSON") != std::string::npos);
  CHECK(r.err.find('\x1b') == std::string::npos);  // no escape sequence reaches the terminal
  fs::remove_all(dir);
  for (const auto& f : {bom, garbage}) std::remove(f.c_str());
}

TEST_CASE("train says so when a stage's loss ends far above the best it reached") {
  const std::string model = temp("diverging.json");
  const std::string diverged =
      stderrOf({"train", "--target", "moons", "--method", "realnvp", "--lr", "1", "--schedule",
                "constant", "--steps", "500", "--quiet", "--out", model});
  CHECK(diverged.find("stage 1 diverged") != std::string::npos);
  CHECK(fs::exists(model));  // still written, with a word
  const std::string fine = stderrOf({"train", "--target", "moons", "--method", "realnvp", "--steps",
                                     "500", "--quiet", "--out", model});
  CHECK(fine.find("diverged") == std::string::npos);
  CHECK(fine.find("wrote") != std::string::npos);
  std::remove(model.c_str());
}

TEST_CASE("train --resume continues a session to the same bytes, sessions read as models") {
  TrainerConfig c = defaultConfig(Method::RectifiedFlow);
  c.steps = 40;
  c.reflow = 1;
  c.reflowPairs = 1500;
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  c.seed = 3;
  const auto target = makeBuiltinTarget("moons");
  TrainingSession unbroken(c, target), stopped(c, target);
  for (TrainingSession* s : {&unbroken, &stopped}) {
    const long until = s == &unbroken ? 80 : 23;
    while (s->totalSteps() < until) {
      if (s->stageDone()) REQUIRE(s->advanceStage());
      s->step();
    }
  }
  Session session;
  session.target = target;
  session.training = stopped.checkpoint();
  session.training.model.target = "moons";
  const std::string saved = temp("stopped.flowlab"), resumed = temp("resumed.flowlab"),
                    model = temp("resumed.json");
  saveSession(session, saved);
  REQUIRE(run({"train", "--resume", saved, "--quiet", "--out", resumed}).code == 0);
  REQUIRE(run({"train", "--resume", saved, "--quiet", "--threads", "1", "--out", model}).code == 0);
  for (const std::string& path : {resumed, model}) {
    const Model m = loadModel(path);  // a session reads as its model
    REQUIRE(m.stages.size() == 2);
    CHECK(m.target == "moons");
    CHECK(m.stages[1].stepsTrained == 40);
    CHECK(m.stages[1].params == unbroken.params());
    CHECK(m.stages[0].params == unbroken.model().stages[0].params);
  }
  CHECK(run({"sample", resumed, "--n", "5", "--out", temp("from_session.csv")}).code == 0);
  // Resumed again, a finished session with more steps per stage trains on.
  REQUIRE(run({"train", "--resume", resumed, "--steps", "50", "--quiet", "--out", resumed}).code ==
          0);
  CHECK(loadModel(resumed).stages[1].stepsTrained == 50);
  checkFails({"train", "--resume", saved, "--lr", "0.1", "--out", model}, "--lr cannot be given");
  checkFails({"train", "--resume", saved, "--target", "moons", "--out", model},
             "--target cannot be given");
  checkFails({"train", "--resume", temp("missing.flowlab"), "--out", model}, "missing.flowlab");
  checkFails({"train", "--resume", model, "--out", resumed}, "not a flowlab session");
  for (const std::string& path : {saved, resumed, model}) std::remove(path.c_str());
}

TEST_CASE("density --divergence and train --loss-log export what other tools read") {
  const std::string model = temp("div_model.json"), loss = temp("div_loss.csv"),
                    div = temp("div.csv"), divNpy = temp("div.npy");
  REQUIRE(run({"train", "--target", "moons", "--method", "fm", "--steps", "50", "--hidden", "16",
               "--layers", "2", "--quiet", "--loss-log", loss, "--out", model})
              .code == 0);
  const std::string lossText = readTextFile(loss);
  CHECK(lossText.rfind("step,loss\n1,", 0) == 0);
  CHECK(std::count(lossText.begin(), lossText.end(), '\n') == 51);  // header + a row per step
  REQUIRE(run({"density", model, "--t", "0.5", "--grid", "4", "3", "--box", "-2", "-2", "2", "2",
               "--divergence", "--out", div})
              .code == 0);
  const std::string divText = readTextFile(div);
  CHECK(divText.rfind("x,y,div\n-1.5,", 0) == 0);
  CHECK(std::count(divText.begin(), divText.end(), '\n') == 13);
  REQUIRE(run({"density", model, "--t", "0.5", "--grid", "4", "3", "--box", "-2", "-2", "2", "2",
               "--divergence", "--out", divNpy})
              .code == 0);
  checkFails({"density", model, "--t", "0.5", "--divergence", "--out", temp("div.png")},
             "not .png");
  checkFails(
      {"train", "--target", "moons", "--method", "fm", "--loss-log", temp("l.txt"), "--out", model},
      "--loss-log must end in .csv or .npy");
  checkFails({"train", "--target", "moons", "--method", "fm", "--loss-log", loss, "--out", loss},
             "same file");
  for (const std::string& p : {model, loss, div, divNpy}) std::remove(p.c_str());
}

TEST_CASE("render --history: a frame per kept step of a session's training history") {
  TrainerConfig c = defaultConfig(Method::FlowMatching);
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  const auto target = makeBuiltinTarget("moons");
  TrainingSession training(c, target);
  Session s;
  s.target = target;
  for (long step : {1L, 40L, 200L}) {
    while (training.totalSteps() < step) training.step();
    s.history.push_back({0, step, step, std::make_shared<ParamVec>(training.params())});
  }
  s.training = training.checkpoint();
  const std::string session = temp("history.flowlab"), dir = temp("history_frames") + "/";
  saveSession(s, session);
  fs::remove_all(dir);
  REQUIRE(run({"render", session, "--history", "--t", "0.5", "--size", "64", "64", "--out", dir})
              .code == 0);
  CHECK(fs::exists(dir + "frame_0002.png"));
  CHECK_FALSE(fs::exists(dir + "frame_0003.png"));
  // The frames differ: the model learned between the kept steps.
  CHECK(readBinaryFile(dir + "frame_0000.png", 1 << 24) !=
        readBinaryFile(dir + "frame_0002.png", 1 << 24));
  checkFails({"render", session, "--history", "--frames", "5", "--out", dir}, "--frames");
  checkFails({"render", session, "--t", "0.5", "--out", dir}, "--t applies to --history");
  s.history.clear();
  saveSession(s, session);
  checkFails({"render", session, "--history", "--out", dir}, "keeps no training history");
  fs::remove_all(dir);
  std::remove(session.c_str());
}

TEST_CASE("--target-session: train and compare on the target a session holds (a painted grid)") {
  std::vector<float> weights(16 * 16, 0.0f);
  for (int j = 4; j < 12; ++j) weights[std::size_t(j * 16 + 10)] = 1.0f;  // a vertical bar
  const auto painted = std::make_shared<ImageTarget>(16, 16, weights, Box{-4, -4, 4, 4}, "painted");
  TrainerConfig c = defaultConfig(Method::FlowMatching);
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  Session s;
  s.target = painted;
  s.training = TrainingSession(c, painted).checkpoint();
  const std::string session = temp("painted.flowlab"), model = temp("on_painted.json"),
                    dir = temp("compare_painted");
  saveSession(s, session);
  REQUIRE(run({"train", "--target-session", session, "--method", "fm", "--steps", "20", "--hidden",
               "16", "--layers", "2", "--quiet", "--out", model})
              .code == 0);
  CHECK(loadModel(model).target == "session:" + session);
  REQUIRE(run({"compare", "--target-session", session, "--reflow", "0", "--steps", "20", "--n",
               "100", "--out", dir})
              .code == 0);
  CHECK(fs::exists(dir + "/table.csv"));
  checkFails(
      {"train", "--target-session", session, "--target", "moons", "--method", "fm", "--out", model},
      "not several");
  checkFails({"train", "--target-session", model, "--method", "fm", "--out", temp("x.json")},
             "not a flowlab session");
  fs::remove_all(dir);
  for (const std::string& p : {session, model}) std::remove(p.c_str());
}

TEST_CASE("sample --n is bounded by what flowlab reads back (memory stays bounded)") {
  const std::string model = temp("bounded.json");
  REQUIRE(run({"train", "--target", "moons", "--method", "fm", "--steps", "5", "--hidden", "8",
               "--layers", "1", "--quiet", "--out", model})
              .code == 0);
  checkFails({"sample", model, "--n", "100000000", "--out", temp("big.csv")}, "10000000",
             temp("big.csv"));
  std::remove(model.c_str());
}
