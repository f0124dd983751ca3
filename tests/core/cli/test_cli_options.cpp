// Every option of every command, given values a hostile or careless user types: each is refused
// with one line naming the option (and, for a number out of range, the valid range), a non-zero
// exit, and no output file. Numbers: empty, text, NaN, ±Inf, 1e999, 2⁶³, hexadecimal, a
// fraction where an integer is due, and each option's own out-of-range values; boxes inverted,
// degenerate or too small; t outside [0, 1]; thread counts of 0 and 1000; stages out of range;
// options unknown or given twice; outputs in a missing or read-only folder or naming an input.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/core/cli/cli_runner.hpp"

using flowlab::testing::checkFails;
using flowlab::testing::runCli;
using flowlab::testing::tempPath;
namespace fs = std::filesystem;

namespace {

// What no numeric option accepts.
const std::vector<std::string> kNotNumbers = {
    "", "abc", "nan", "NaN", "inf", "-inf", "1e999", "-1e999", "0x10", "1,5", "1 2", "--", "+-1"};
// What no integer option accepts, besides kNotNumbers.
const std::vector<std::string> kNotIntegers = {"9223372036854775808", "-9223372036854775809", "1.5",
                                               "1e3"};

struct Row {
  std::string option;
  bool integer;                    // an integer option (else a real)
  std::vector<std::string> range;  // values outside its range
};

// A command line: the command, its positional words, and its options (name → values).
struct Line {
  std::vector<std::string> head;  // "sample", MODEL
  std::map<std::string, std::vector<std::string>> options;
  std::string output;  // the file that must not appear

  std::vector<std::string> words() const {
    std::vector<std::string> w = head;
    for (const auto& [name, values] : options) {
      w.push_back(name);
      w.insert(w.end(), values.begin(), values.end());
    }
    return w;
  }
  Line with(const std::string& name, std::vector<std::string> values) const {
    Line l = *this;
    l.options[name] = std::move(values);
    return l;
  }
};

// Every bad value of every row, each on its own line built from `base`.
void checkRows(const Line& base, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    std::vector<std::string> bad = kNotNumbers;
    if (row.integer) bad.insert(bad.end(), kNotIntegers.begin(), kNotIntegers.end());
    for (const std::string& v : bad)
      checkFails(base.with(row.option, {v}).words(), row.option, base.output);
    for (const std::string& v : row.range) {
      checkFails(base.with(row.option, {v}).words(), row.option, base.output);
      checkFails(base.with(row.option, {v}).words(), "must be", base.output);  // the range
    }
  }
}

// A box option (4 values): inverted, degenerate, too narrow, out of the plane, not numbers.
void checkBox(const Line& base, const std::string& option) {
  const std::vector<std::vector<std::string>> boxes = {
      {"1", "-1", "-1", "1"},         {"-1", "1", "1", "-1"},
      {"0", "0", "0", "1"},           {"0", "0", "1e-9", "1"},
      {"-1e308", "-1", "1e308", "1"}, {"nan", "0", "1", "1"},
      {"0", "0", "inf", "1"},         {"a", "b", "c", "d"}};
  for (const auto& box : boxes) checkFails(base.with(option, box).words(), option, base.output);
  checkFails(base.with(option, {"0", "0", "1"}).words(), option, base.output);  // too few
}

// A tiny trained model every command can read.
const std::string& tinyModel() {
  static const std::string path = [] {
    const std::string p = tempPath("options_model.json");
    const auto r = runCli({"train", "--target", "moons", "--method", "fm", "--steps", "5",
                           "--hidden", "8", "--quiet", "--out", p});
    REQUIRE(r.code == 0);
    return p;
  }();
  return path;
}

Line trainLine(const std::string& method) {
  return {{"train"},
          {{"--target", {"moons"}},
           {"--method", {method}},
           {"--steps", {"1"}},
           {"--hidden", {"8"}},
           {"--quiet", {}},
           {"--out", {tempPath("options_out.json")}}},
          tempPath("options_out.json")};
}

Line modelLine(const std::string& command, const std::string& out) {
  Line l{{command, tinyModel()}, {}, out};
  if (!out.empty()) l.options["--out"] = {out};
  return l;
}

}  // namespace

TEST_CASE("train: every numeric option refuses non-numbers and values out of its range") {
  const std::vector<Row> common = {{"--steps", true, {"0", "-1", "100000001"}},
                                   {"--batch", true, {"0", "-5", "65537"}},
                                   {"--lr", false, {"0", "-1", "2", "1e-10"}},
                                   {"--weight-decay", false, {"-0.1", "1"}},
                                   {"--clip", false, {"-1", "1e10"}},
                                   {"--hidden", true, {"0", "-8", "4097"}},
                                   {"--layers", true, {"0", "65"}},
                                   {"--fourier", true, {"-1", "65"}},
                                   {"--sigma", false, {"-1", "11"}},
                                   {"--seed", true, {"-1"}},
                                   {"--threads", true, {"0", "-2", "1000", "257"}},
                                   {"--eval-every", true, {"0", "-1"}}};
  checkRows(trainLine("fm"), common);
  checkRows(trainLine("rf"), {{"--reflow", true, {"-1", "17"}}});
  checkRows(trainLine("rf").with("--reflow", {"1"}), {{"--reflow-pairs", true, {"0", "-1"}}});
  checkRows(trainLine("realnvp"), {{"--couplings", true, {"0", "65"}}});
  checkRows(trainLine("cnf"), {{"--kinetic", false, {"-1", "1e7"}},
                               {"--jacobian", false, {"-1", "1e7"}},
                               {"--solver-steps", true, {"0", "100001"}}});
  checkRows(trainLine("cnf").with("--solver", {"dopri5"}),
            {{"--rtol", false, {"0", "1", "1e-13"}}, {"--atol", false, {"0", "1"}}});
  checkRows(trainLine("fm").with("--eval-every", {"1"}),
            {{"--gap", false, {"0", "101"}}, {"--eval-n", true, {"0", "1000001"}}});
}

TEST_CASE("train: targets, boxes and words") {
  const Line fm = trainLine("fm");
  Line image = fm;
  image.options.erase("--target");
  const std::string png = tempPath("options_target.png");
  {
    const auto r = runCli({"density", tinyModel(), "--grid", "16", "16", "--out", png});
    REQUIRE(r.code == 0);
  }
  image.options["--target-image"] = {png};
  checkBox(image, "--image-box");
  Line points = fm;
  points.options.erase("--target");
  const std::string csv = tempPath("options_points.csv");
  {
    const auto r = runCli({"sample", tinyModel(), "--n", "50", "--out", csv});
    REQUIRE(r.code == 0);
  }
  points.options["--target-points"] = {csv};
  checkRows(points, {{"--bandwidth", false, {"0", "-1", "1e7"}}});
  checkFails(fm.with("--method", {"FM"}).words(), "unknown method", fm.output);
  checkFails(fm.with("--target", {""}).words(), "--target", fm.output);
  checkFails(fm.with("--schedule", {"sometimes"}).words(), "--schedule", fm.output);
  checkFails(fm.with("--activation", {"relu6"}).words(), "activation", fm.output);
  checkFails(trainLine("cnf").with("--trace", {"bogus"}).words(), "bogus", fm.output);
  checkFails(trainLine("cnf").with("--gradient", {"bogus"}).words(), "bogus", fm.output);
  checkFails(trainLine("rf").with("--solver", {"rk5"}).words(), "unknown solver", fm.output);
  // An output that names an input, and an image target written over by its own model.
  checkFails(image.with("--out", {png}).words(), png);
  checkFails(points.with("--out", {csv}).words(), csv);
  CHECK(fs::exists(png));
  CHECK(fs::exists(csv));
  for (const auto& f : {png, csv}) fs::remove(f);
}

TEST_CASE("sample, logp, eval, density: numbers, stages, t, grids and boxes") {
  const std::string csv = tempPath("options_samples.csv");
  const Line sample = modelLine("sample", csv);
  checkRows(sample, {{"--n", true, {"0", "-1", "10000001"}},
                     {"--seed", true, {"-1"}},
                     {"--stage", true, {"2", "-2", "2147483648"}},
                     {"--threads", true, {"0", "1000"}},
                     {"--solver-steps", true, {"0"}}});
  checkFails(sample.with("--stage", {"0"}).words(), "--stage counts from 1", csv);

  const std::string in = tempPath("options_in.csv");
  flowlab::core::writeFileAtomically(in, "x,y\n0.5,0.25\n");
  const std::string logpOut = tempPath("options_logp.csv");
  const Line logp = modelLine("logp", logpOut).with("--in", {in});
  checkRows(logp, {{"--stage", true, {"2", "-2"}}, {"--threads", true, {"0", "1000"}}});

  const Line eval = modelLine("eval", "").with("--target", {"moons"});
  checkRows(eval, {{"--n", true, {"0", "1", "20001"}},
                   {"--nll-n", true, {"0", "10000001"}},
                   {"--seed", true, {"-1"}},
                   {"--stage", true, {"2", "-2"}},
                   {"--threads", true, {"0", "1000"}}});

  const std::string grid = tempPath("options_density.csv");
  const Line density = modelLine("density", grid);
  checkRows(density, {{"--t", false, {"-0.1", "1.1", "-1e-300"}},
                      {"--stage", true, {"2"}},
                      {"--threads", true, {"0", "1000"}}});
  checkBox(density, "--box");
  for (const std::vector<std::string>& g : {std::vector<std::string>{"0", "10"},
                                            {"10", "0"},
                                            {"4097", "10"},
                                            {"-1", "5"},
                                            {"1.5", "4"},
                                            {"nan", "4"},
                                            {"9223372036854775808", "4"}})
    checkFails(density.with("--grid", g).words(), "--grid", grid);
  fs::remove(in);
}

TEST_CASE("render, solvers, compare: numbers, sizes, boxes and the history's t") {
  const std::string frames = tempPath("options_frames/");
  const Line render = modelLine("render", frames);
  checkRows(render, {{"--frames", true, {"0", "-1", "100001"}},
                     {"--fps", false, {"0", "241"}},
                     {"--particles", true, {"0", "1000001"}},
                     {"--stage", true, {"2"}}});
  checkBox(render, "--box");
  for (const std::vector<std::string>& s :
       {std::vector<std::string>{"0", "512"}, {"15", "512"}, {"4097", "512"}, {"512", "nan"}})
    checkFails(render.with("--size", s).words(), "--size", frames);
  checkFails(render.with("--t", {"0.5"}).words(), "--t applies to --history", frames);

  const std::string table = tempPath("options_solvers.csv");
  const Line solvers = modelLine("solvers", table).with("--target", {"moons"});
  checkRows(solvers, {{"--n", true, {"0", "1", "20001"}},
                      {"--seed", true, {"-1"}},
                      {"--stage", true, {"2"}},
                      {"--threads", true, {"0", "1000"}}});
  checkFails(solvers.with("--steps", {"0"}).words(), "--steps", table);
  checkFails(solvers.with("--steps", {"1,,2"}).words(), "--steps", table);

  const std::string folder = tempPath("options_compare");
  const Line compare{
      {"compare"},
      {{"--target", {"moons"}}, {"--reflow", {"1"}}, {"--steps", {"1"}}, {"--out", {folder}}},
      folder};
  checkRows(compare, {{"--reflow", true, {"-1", "9"}},
                      {"--steps", true, {"0", "100000001"}},
                      {"--seed", true, {"-1"}},
                      {"--threads", true, {"0", "1000"}},
                      {"--n", true, {"9", "20001"}},
                      {"--reflow-pairs", true, {"0"}}});
}

TEST_CASE("every command: unknown and repeated options, stray words, unwritable outputs") {
  const std::string out = tempPath("options_any.csv");
  const std::vector<Line> lines = {trainLine("fm"), modelLine("sample", out),
                                   modelLine("density", out), modelLine("eval", "")};
  for (const Line& line : lines) {
    checkFails(line.with("--frobnicate", {}).words(), "unknown option --frobnicate", line.output);
    std::vector<std::string> twice = line.words();
    twice.insert(twice.end(), {"--threads", "1", "--threads", "2"});
    checkFails(twice, "given twice", line.output);
    std::vector<std::string> stray = line.words();
    stray.push_back("stray");
    checkFails(stray, "stray", line.output);
  }
  // Outputs: a missing folder, a path inside a file, a folder, the model itself, /proc.
  const Line sample = modelLine("sample", out);
  checkFails(sample.with("--out", {"/nonexistent/folder/x.csv"}).words(), "/nonexistent/folder");
  checkFails(sample.with("--out", {tinyModel() + "/x.csv"}).words(), "x.csv");
  checkFails(sample.with("--out", {tinyModel()}).words(), tinyModel());
  checkFails(sample.with("--out", {"/proc/flowlab_x.csv"}).words(), "/proc/flowlab_x.csv");
  checkFails(trainLine("fm").with("--out", {"/proc/flowlab_m.json"}).words(),
             "/proc/flowlab_m.json");
  // A read-only folder (root may write anywhere: then only /proc above shows the refusal).
  const std::string locked = tempPath("options_locked");
  fs::create_directories(locked);
  ::chmod(locked.c_str(), 0555);
  if (::geteuid() != 0)
    checkFails(sample.with("--out", {locked + "/x.csv"}).words(), locked, locked + "/x.csv");
  ::chmod(locked.c_str(), 0755);
  fs::remove_all(locked);
  CHECK(fs::exists(tinyModel()));  // never replaced
}
