// Reading JSON documents strictly (model and session files share it): parsing with a message
// that is safe to print, and fields that must be integers in a range, finite reals or one of
// two words. Errors are std::runtime_error naming the field; callers prefix the file.
// Internal to core/io (nlohmann::json is not part of core's public interface).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace flowlab::core::json_fields {

using nlohmann::json;

// The document in `text`; an invalid one throws "PATH: not a flowlab WHAT (invalid JSON: …)"
// with only printable ASCII of what the parser quotes.
json parse(const std::string& text, const std::string& path, const char* what);
// A field that must be an integer in [lo, hi] (no fraction, no exponent that overflows).
long integerField(const json& j, const char* key, long lo, long hi);
// A field that must be a finite number.
double realField(const json& j, const char* key);
// A field that must be one of two words: true for the first.
bool choiceField(const json& j, const char* key, const char* first, const char* second);
// The format version of `doc` (its "version" field), refused unless it is `supported`:
// "WHAT format version N is not supported (this flowlab reads version M)".
void checkVersion(const json& doc, long supported, const char* what);

}  // namespace flowlab::core::json_fields
