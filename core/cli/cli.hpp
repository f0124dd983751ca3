// Folder cli/: the `flowlab` command line, a library of its own that the executable links (the
// option parser, one file per group of subcommands). Core's other folders print nothing.
//
// The headless command-line face of flowlab: targets, train, sample, logp, eval, density, bench.
// Runs on the caller's thread; prints results to stdout, progress and errors to stderr.
#pragma once

#include <string_view>

namespace flowlab::core {

// True when `word` names a CLI subcommand (or is --help / --version).
bool isCliCommand(std::string_view word);

// Runs `flowlab <subcommand> …`. Returns the process exit code: 0 on success, 1 on a runtime
// failure, 2 on bad usage. Never throws; every failure is one clear line on stderr.
int runCli(int argc, char** argv);

}  // namespace flowlab::core
