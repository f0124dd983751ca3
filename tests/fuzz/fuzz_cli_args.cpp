// libFuzzer harness: the command line's option parser (core/cli/args.hpp). The input is
// NUL-separated words. Every line goes through Args with a spec list of every arity and through
// each value reader; a line whose first word is harmless (targets, --version, --help) or that
// holds the word --help goes through runCli itself, which then stops at the help (every command
// reads its options, then answers --help before any work). Nothing trains and nothing is
// written. A UsageError or other std::exception is the expected answer; a crash, a sanitizer
// report, a timeout or running out of memory is a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/cli/args.hpp"
#include "core/cli/cli.hpp"
#include "core/cli/cli_common.hpp"

namespace {

using namespace flowlab::core;

const std::vector<OptionSpec> kSpecs = {
    {"--help", 0},    {"--quiet", 0}, {"--steps", 1},   {"--lr", 1},           {"--seed", 1},
    {"--t", 1},       {"--stage", 1}, {"--methods", 1}, {"--grid", 2},         {"--box", 4},
    {"--threads", 1}, {"--out", 1},   {"--solver", 1},  {"--solver-steps", 1}, {"--rtol", 1},
    {"--atol", 1}};

// Each reader on each option; a refusal of one does not stop the others.
void readEverything(const Args& args) {
  const auto attempt = [](auto&& read) {
    try {
      read();
    } catch (const std::exception&) {
    }
  };
  attempt([&] { (void)args.integer("--steps", 1, 1, 1000000000000L); });
  attempt([&] { (void)args.integer("--seed", 0, 0, 0x7fffffffffffffffL); });
  attempt([&] { (void)args.real("--lr", 1e-3, 1e-9, 1.0); });
  attempt([&] { (void)args.real("--t", 1.0, 0.0, 1.0); });
  attempt([&] { (void)args.text("--out", ""); });
  attempt([&] { (void)args.requiredText("--out"); });
  attempt([&] { (void)args.integers("--grid", 1, 4096); });
  attempt([&] { (void)args.reals("--box"); });
  attempt([&] { (void)args.box("--box"); });
  attempt([&] { (void)args.list("--methods", {"fm"}); });
  attempt([&] { (void)methodList(args, "--methods"); });
  attempt([&] { (void)cli::stageFrom(args, 3, 0); });
  attempt([&] { (void)cli::threadsFrom(args, 2); });
  attempt([&] { (void)cli::solverFrom(args, SolverConfig::rk4(32)); });
  attempt([&] { cli::expectPositional(args, 1, "MODEL"); });
}

bool harmless(const std::vector<std::string>& words) {
  if (words.empty()) return true;
  const std::string& first = words.front();
  if (first == "targets" || first == "--version" || first == "--help" || first == "-h" ||
      first == "help")
    return true;
  return std::find(words.begin() + 1, words.end(), "--help") != words.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0)
      words.emplace_back();
    else
      words.back().push_back(static_cast<char>(data[i]));
  }
  if (words.size() > 64) return 0;  // a command line, not a file
  for (const std::string& w : words) {
    long l;
    double d;
    (void)parseLong(w, l);
    (void)parseDouble(w, d);
  }
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  try {
    readEverything(Args(static_cast<int>(argv.size()), argv.data(), 0, kSpecs));
  } catch (const std::exception&) {
  }
  if (harmless(words)) {
    std::vector<std::string> line = words;
    line.insert(line.begin(), "flowlab");
    std::vector<char*> full;
    for (std::string& w : line) full.push_back(w.data());
    static std::ostringstream sink;
    sink.str("");
    std::streambuf* out = std::cout.rdbuf(sink.rdbuf());
    std::streambuf* err = std::cerr.rdbuf(sink.rdbuf());
    flowlab::core::runCli(static_cast<int>(full.size()), full.data());
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
  }
  return 0;
}
