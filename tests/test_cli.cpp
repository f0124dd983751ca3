// The CLI as a user drives it: every kind of bad input is one clear line and a non-zero exit,
// and never leaves an output file behind; a small train → sample → logp → eval run works.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/cli.hpp"
#include "core/file_io.hpp"

using namespace flowlab::core;
namespace fs = std::filesystem;

namespace {

struct Result {
  int code;
  std::string err;
};

// Runs `flowlab <words…>` in-process, capturing std::cerr.
Result run(std::vector<std::string> words) {
  words.insert(words.begin(), "flowlab");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  const int code = runCli(static_cast<int>(argv.size()), argv.data());
  std::cerr.rdbuf(old);
  return {code, err.str()};
}

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("flowlab_cli_" + name)).string();
}

void checkFails(const std::vector<std::string>& words, const std::string& mentions,
                const std::string& output = "") {
  if (!output.empty()) std::remove(output.c_str());
  const Result r = run(words);
  INFO("flowlab " << words.front() << " … → " << r.err);
  CHECK(r.code != 0);
  CHECK(r.err.find(mentions) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  if (!output.empty()) CHECK_FALSE(fs::exists(output));
}

}  // namespace

TEST_CASE("bad input gets one clear line and a non-zero exit") {
  const std::string out = temp("out.json");
  checkFails({"frobnicate"}, "unknown command", out);
  checkFails({"train", "--target", "moonz", "--method", "fm", "--out", out}, "unknown target 'moonz'", out);
  checkFails({"train", "--target", "moons", "--method", "gan", "--out", out}, "unknown method 'gan'", out);
  checkFails({"train", "--target", "moons", "--method", "fm"}, "--out", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--steps", "0"}, "--steps", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--batch", "-5"}, "--batch", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--batch", "1e9"}, "--batch", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--lr", "abc"}, "--lr", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--lr", "nan"}, "--lr", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--hidden", "100000"}, "--hidden", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--frobs", "1"}, "unknown option --frobs", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--steps"}, "--steps needs", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", out, "--reflow", "2"}, "--reflow", out);
  checkFails({"train", "--target", "moons", "--method", "rf", "--out", out, "--solver", "rk5"}, "unknown solver", out);
  checkFails({"train", "--target", "moons", "--method", "fm", "--out", "/nonexistent/dir/m.json"}, "cannot write");
  checkFails({"train", "--target-image", temp("missing.png"), "--method", "fm", "--out", out}, "missing.png", out);
  const std::string garbage = temp("garbage.png");
  writeFileAtomically(garbage, "this is not an image");
  checkFails({"train", "--target-image", garbage, "--method", "fm", "--out", out}, "garbage.png", out);

  const std::string csv = temp("out.csv");
  checkFails({"sample", temp("nope.json"), "--n", "10", "--out", csv}, "nope.json", csv);
  checkFails({"sample", garbage, "--n", "10", "--out", csv}, "garbage.png", csv);
  checkFails({"sample"}, "MODEL", csv);
  checkFails({"eval"}, "MODEL");
  checkFails({"logp", temp("nope.json"), "--in", csv, "--out", csv}, "nope.json");
  checkFails({"density", temp("nope.json"), "--out", temp("d.txt")}, "");
  checkFails({"targets", "extra"}, "unexpected argument");
  std::remove(garbage.c_str());
}

TEST_CASE("train, sample, logp and eval work end to end on a tiny run") {
  const std::string model = temp("tiny.json"), samples = temp("samples.csv"), logp = temp("logp.csv"),
                    traj = temp("traj.csv");
  Result r = run({"train", "--target", "8gaussians", "--method", "rf", "--steps", "300", "--reflow", "1",
                  "--reflow-pairs", "2000", "--hidden", "16", "--layers", "2", "--quiet", "--out", model});
  REQUIRE(r.code == 0);
  REQUIRE(fs::exists(model));

  r = run({"sample", model, "--n", "50", "--solver", "rk4", "--solver-steps", "10", "--out", samples,
           "--trajectories", traj});
  REQUIRE(r.code == 0);
  const Points x = readPointsCsv(samples);
  CHECK(x.cols() == 50);
  CHECK(x.allFinite());
  CHECK(readTextFile(traj).rfind("point,t,x,y\n", 0) == 0);

  const std::string other = temp("other.csv");
  checkFails({"sample", model, "--stage", "2", "--n", "5", "--out", other}, "--stage", other);
  checkFails({"sample", model, "--n", "5", "--solver", "dopri5", "--solver-steps", "3", "--out", other},
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
  for (const auto& f : {model, samples, logp, traj, badCsv}) std::remove(f.c_str());
}
