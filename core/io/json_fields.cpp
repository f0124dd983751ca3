// Strict JSON fields (see json_fields.hpp).
#include "core/io/json_fields.hpp"

#include <cmath>
#include <stdexcept>

namespace flowlab::core::json_fields {

json parse(const std::string& text, const std::string& path, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond double's range
    // The parser quotes what it read: only printable ASCII of it reaches the terminal.
    std::string message = e.what();
    for (char& c : message)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    throw std::runtime_error(path + ": not a flowlab " + what + " (invalid JSON: " + message + ")");
  }
}

long integerField(const json& j, const char* key, long lo, long hi) {
  const json& v = j.at(key);
  if (!v.is_number_integer())
    throw std::runtime_error(std::string("\"") + key + "\" must be an integer, got " + v.dump());
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
                             v.dump());
  return v.get<double>();
}

bool choiceField(const json& j, const char* key, const char* first, const char* second) {
  const std::string v = j.at(key).get<std::string>();
  if (v != first && v != second)
    throw std::runtime_error(std::string("\"") + key + "\" must be \"" + first + "\" or \"" +
                             second + "\", got \"" + v + "\"");
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
