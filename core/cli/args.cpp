// Strict option parsing for the CLI.
#include "core/cli/args.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace flowlab::core {

bool parseLong(const std::string& word, long& out) {
  const char* b = word.data();
  const char* e = b + word.size();
  if (b != e && *b == '+' && !(b + 1 != e && (b[1] == '-' || b[1] == '+'))) ++b;
  const auto [end, ec] = std::from_chars(b, e, out);
  return b != e && ec == std::errc() && end == e;
}

bool parseDouble(const std::string& word, double& out) {
  const char* b = word.data();
  const char* e = b + word.size();
  if (b != e && *b == '+' && !(b + 1 != e && (b[1] == '-' || b[1] == '+'))) ++b;
  const auto [end, ec] = std::from_chars(b, e, out);
  return b != e && ec == std::errc() && end == e && std::isfinite(out);
}

namespace {

// "--steps", "-x": an option's name; "-1", "-.5", "-" and "" are values.
bool isOptionWord(const std::string& word) {
  return word.size() > 1 && word[0] == '-' &&
         !(std::isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.');
}

}  // namespace

Args::Args(int argc, char** argv, int first, const std::vector<OptionSpec>& specs) {
  for (int i = first; i < argc; ++i) {
    const std::string word = argv[i];
    if (isOptionWord(word)) {
      std::string name = word, inlineValue;
      bool hasInline = false;
      if (const auto eq = word.find('='); eq != std::string::npos && word.rfind("--", 0) == 0) {
        name = word.substr(0, eq);
        inlineValue = word.substr(eq + 1);
        hasInline = true;
      }
      const OptionSpec* spec = nullptr;
      for (const OptionSpec& s : specs)
        if (s.name == name) spec = &s;
      if (!spec) throw UsageError("unknown option " + name);
      if (values_.count(name)) throw UsageError("option " + name + " given twice");
      std::vector<std::string> vals;
      if (hasInline) {
        if (spec->arity != 1) throw UsageError("option " + name + " does not take '=value'");
        vals.push_back(inlineValue);
      } else {
        for (int k = 0; k < spec->arity; ++k) {
          if (i + 1 >= argc || isOptionWord(argv[i + 1]))
            throw UsageError("option " + name + " needs " + std::to_string(spec->arity) +
                             (spec->arity == 1 ? " value" : " values") +
                             (i + 1 < argc ? ", got the option " + std::string(argv[i + 1]) : ""));
          vals.emplace_back(argv[++i]);
        }
      }
      values_[name] = std::move(vals);
    } else {
      positional_.push_back(word);
    }
  }
}

const std::vector<std::string>& Args::raw(const std::string& name) const {
  return values_.at(name);
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  return has(name) ? raw(name).front() : fallback;
}

std::string Args::requiredText(const std::string& name) const {
  if (!has(name)) throw UsageError("missing required option " + name);
  const std::string v = raw(name).front();
  if (v.empty()) throw UsageError("option " + name + " needs a non-empty value");
  return v;
}

long Args::integer(const std::string& name, long fallback, long min, long max) const {
  if (!has(name)) return fallback;
  long v;
  if (!parseLong(raw(name).front(), v))
    throw UsageError(name + " expects an integer, got '" + raw(name).front() + "'");
  if (v < min || v > max)
    throw UsageError(name + " must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got " + std::to_string(v));
  return v;
}

namespace {

// A bound as a person writes it: 1e-06, 0.5, 1e+06 (never rounded to 0.000000).
std::string shortNumber(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

}  // namespace

double Args::real(const std::string& name, double fallback, double min, double max) const {
  if (!has(name)) return fallback;
  double v;
  if (!parseDouble(raw(name).front(), v))
    throw UsageError(name + " expects a finite number, got '" + raw(name).front() + "'");
  if (v < min || v > max)
    throw UsageError(name + " must be in [" + shortNumber(min) + ", " + shortNumber(max) +
                     "], got " + raw(name).front());
  return v;
}

std::vector<double> Args::reals(const std::string& name) const {
  std::vector<double> out;
  for (const std::string& w : raw(name)) {
    double v;
    if (!parseDouble(w, v)) throw UsageError(name + " expects finite numbers, got '" + w + "'");
    if (std::abs(v) > kMaxCoordinate)
      throw UsageError(name + " values must be within ±" + shortNumber(kMaxCoordinate) + ", got " +
                       w);
    out.push_back(v);
  }
  return out;
}

Box Args::box(const std::string& name) const {
  const std::vector<double> v = reals(name);
  const Box b{v[0], v[1], v[2], v[3]};
  if (!b.valid())
    throw UsageError(name + " needs x0 < x1 and y0 < y1 (x0 y0 x1 y1), got " + shortNumber(v[0]) +
                     " " + shortNumber(v[1]) + " " + shortNumber(v[2]) + " " + shortNumber(v[3]));
  if (b.x1 - b.x0 < kMinBoxSide || b.y1 - b.y0 < kMinBoxSide)
    throw UsageError(name + ": each side must be at least " + shortNumber(kMinBoxSide) +
                     " long, got " + shortNumber(b.x1 - b.x0) + " by " + shortNumber(b.y1 - b.y0));
  return b;
}

std::vector<std::string> Args::list(const std::string& name,
                                    const std::vector<std::string>& fallback) const {
  if (!has(name)) return fallback;
  const std::string& text = raw(name).front();
  std::vector<std::string> words;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(',', begin), text.size());
    if (end == begin)
      throw UsageError(name + " expects a comma-separated list without empty items, got '" + text +
                       "'");
    words.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

std::vector<long> Args::integers(const std::string& name, long min, long max) const {
  std::vector<long> out;
  for (const std::string& w : raw(name)) {
    long v;
    if (!parseLong(w, v)) throw UsageError(name + " expects integers, got '" + w + "'");
    if (v < min || v > max)
      throw UsageError(name + " values must be in [" + std::to_string(min) + ", " +
                       std::to_string(max) + "], got " + w);
    out.push_back(v);
  }
  return out;
}

std::vector<Method> methodList(const Args& args, const std::string& option) {
  std::vector<Method> methods;
  for (const std::string& name : args.list(option, {})) {
    const auto m = parseMethod(name);
    if (!m)
      throw UsageError(option + ": unknown method '" + name +
                       "' (choose from fm, otcfm, rf, cnf, rkl, realnvp)");
    for (Method seen : methods)
      if (seen == *m) throw UsageError(option + " names '" + name + "' twice");
    methods.push_back(*m);
  }
  return methods;
}

}  // namespace flowlab::core
