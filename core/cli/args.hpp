// Command-line option parsing for the CLI subcommands: every option is declared with its arity,
// every value is checked (type, range, finiteness), and any problem becomes one UsageError whose
// message names the option. Caller's thread only.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/types.hpp"
#include "core/model/trainer_config.hpp"

namespace flowlab::core {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;  // "--steps"
  int arity;         // number of values (0: a flag)
};

class Args {
 public:
  // Parses argv[first..argc). Positional words are kept in order; an unknown option, a missing
  // value or a repeated option throws UsageError.
  Args(int argc, char** argv, int first, const std::vector<OptionSpec>& specs);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }
  // The names of the options given, in name order.
  std::vector<std::string> given() const {
    std::vector<std::string> names;
    for (const auto& [name, values] : values_) names.push_back(name);
    return names;
  }

  std::string text(const std::string& name, const std::string& fallback) const;
  std::string requiredText(const std::string& name) const;
  long integer(const std::string& name, long fallback, long min, long max) const;
  double real(const std::string& name, double fallback, double min, double max) const;
  // All values of a multi-value option as reals: world coordinates (boxes, points), each finite
  // and within ±kMaxCoordinate (types.hpp).
  std::vector<double> reals(const std::string& name) const;
  std::vector<long> integers(const std::string& name, long min, long max) const;
  // A 4-value option x0 y0 x1 y1 as a world rectangle: reals() with x0 < x1, y0 < y1 and each
  // side at least kMinBoxSide long (a narrower box has no room for a grid of float32 points).
  Box box(const std::string& name) const;
  static constexpr double kMinBoxSide = 1e-3;
  // The comma-separated words of a one-value option ("euler,rk4"), none empty; `fallback`
  // when the option is absent.
  std::vector<std::string> list(const std::string& name,
                                const std::vector<std::string>& fallback) const;

 private:
  const std::vector<std::string>& raw(const std::string& name) const;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Strict number parsing: the whole word must be a finite number.
bool parseLong(const std::string& word, long& out);
bool parseDouble(const std::string& word, double& out);

// The comma-separated method names of `option` (fm, otcfm, rf, cnf, rkl, realnvp), each once.
// Throws UsageError naming an unknown or repeated one.
std::vector<Method> methodList(const Args& args, const std::string& option);

}  // namespace flowlab::core
