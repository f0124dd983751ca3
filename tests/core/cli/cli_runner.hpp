// Runs the CLI in-process as a user would from a shell, for the suites that check its answers:
// `run` captures what went to std::cerr / std::cout, `stderrOf` what went to the stderr file
// descriptor (printf-style progress and warnings), and `checkFails` asserts the contract for bad
// input: a non-zero exit, one line naming the problem, and no output file left behind.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/cli/cli.hpp"
#include "core/io/file_io.hpp"
#include "tests/temp_files.hpp"

namespace flowlab::testing {

struct CliResult {
  int code;
  std::string err;
  std::string out;  // what went to std::cout (not printf's stdout)
};

// `flowlab <words…>`, in this process.
inline CliResult runCli(std::vector<std::string> words) {
  words.insert(words.begin(), "flowlab");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  std::ostringstream err, out;
  std::streambuf* oldErr = std::cerr.rdbuf(err.rdbuf());
  std::streambuf* oldOut = std::cout.rdbuf(out.rdbuf());
  const int code = core::runCli(static_cast<int>(argv.size()), argv.data());
  std::cerr.rdbuf(oldErr);
  std::cout.rdbuf(oldOut);
  return {code, err.str(), out.str()};
}

// Bad input: non-zero exit, one line on std::cerr that contains `mentions`, and `output` (when
// given) does not exist afterwards.
inline void checkFails(const std::vector<std::string>& words, const std::string& mentions,
                       const std::string& output = "") {
  if (!output.empty()) std::remove(output.c_str());
  const CliResult r = runCli(words);
  std::string line;
  for (const auto& w : words) line += " " + w;
  INFO("flowlab" << line << " → " << r.err);
  CHECK(r.code != 0);
  CHECK(r.err.find(mentions) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
  if (!output.empty()) CHECK_FALSE(std::filesystem::exists(output));
}

// What a run printed to the stderr file descriptor.
inline std::string stderrOf(const std::vector<std::string>& words) {
  const std::string path = tempPath("stderr.txt");
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
  runCli(words);
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  const std::string text = core::readTextFile(path);
  std::remove(path.c_str());
  return text;
}

}  // namespace flowlab::testing
