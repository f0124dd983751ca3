// Strict JSON fields (see json_fields.hpp).
#include "core/io/json_fields.hpp"

#include <cmath>
#include <stdexcept>

namespace flowlab::core::json_fields {

namespace {

std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return text;
}

}  // namespace

json parse(const std::string& text, const std::string& path, const char* what) {
  const auto refuse = [&](const std::string& why) {
    return std::runtime_error(path + ": not a flowlab " + what + " (" + why + ")");
  };
  // The parser calls back on every value and every array or object it opens, before it grows the
  // document: the limits hold however the file is built (nlohmann::json's parse callback).
  long values = 0;
  const json::parser_callback_t limits = [&](int depth, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::value && ++values > kMaxJsonValues)
      throw refuse("more than " + std::to_string(kMaxJsonValues) +
                   " values, more than flowlab reads");
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth)
      throw refuse("arrays or objects nested deeper than " + std::to_string(kMaxJsonDepth) +
                   " levels");
    return true;
  };
  try {
    return json::parse(text, limits);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond double's range
    // The parser quotes what it read: only printable ASCII of it reaches the terminal.
    throw refuse("invalid JSON: " + printable(e.what()));
  }
}

std::string quoted(const std::string& text) {
  constexpr std::size_t kShown = 40;
  std::string out(1, '"');
  out.append(printable(text.substr(0, kShown)));
  if (text.size() <= kShown) return out.append(1, '"');
  return out.append("...\" (").append(std::to_string(text.size())).append(" bytes)");
}

std::string describe(const json& v) {
  if (v.is_string()) return quoted(v.get<std::string>());
  if (v.is_array()) return "an array of " + std::to_string(v.size());
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + " fields";
  return v.dump();  // a number, a boolean or null: short
}

long integerField(const json& j, const char* key, long lo, long hi) {
  const json& v = j.at(key);
  if (!v.is_number_integer())
    throw std::runtime_error(std::string("\"") + key + "\" must be an integer, got " + describe(v));
  const bool negative = v.is_number_unsigned() ? false : v.get<long long>() < 0;
  if (!negative && v.get<unsigned long long>() > static_cast<unsigned long long>(hi))
    throw std::runtime_error(std::string("\"") + key + "\" must be at most " + std::to_string(hi) +
                             ", got " + v.dump());
  const long x = static_cast<long>(v.get<long long>());
  if (x < lo)
    throw std::runtime_error(std::string("\"") + key + "\" must be at least " + std::to_string(lo) +
                             ", got " + v.dump());
  return x;
}

double realField(const json& j, const char* key) {
  const json& v = j.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    throw std::runtime_error(std::string("\"") + key + "\" must be a finite number, got " +
                             describe(v));
  return v.get<double>();
}

bool choiceField(const json& j, const char* key, const char* first, const char* second) {
  const std::string v = j.at(key).get<std::string>();
  if (v != first && v != second)
    throw std::runtime_error(std::string("\"") + key + "\" must be \"" + first + "\" or \"" +
                             second + "\", got " + quoted(v));
  return v == first;
}

void checkVersion(const json& doc, long supported, const char* what) {
  const long version = integerField(doc, "version", 0, 1000000);
  if (version > supported)
    throw std::runtime_error(std::string(what) + " format version " + std::to_string(version) +
                             " needs a newer flowlab (this one reads version " +
                             std::to_string(supported) + ")");
  if (version != supported)
    throw std::runtime_error(std::string(what) + " format version " + std::to_string(version) +
                             " is not supported (this flowlab reads version " +
                             std::to_string(supported) + ")");
}

}  // namespace flowlab::core::json_fields
