// Reading JSON documents strictly (model and session files share it): parsing with a message
// that is safe to print, and fields that must be integers in a range, finite reals or one of
// two words. Errors are std::runtime_error naming the field; callers prefix the file.
// Internal to core/io (nlohmann::json is not part of core's public interface).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace flowlab::core::json_fields {

using nlohmann::json;

// The most a model or session file may hold, checked before anything is allocated for it: its
// bytes (checked as it is read), the depth of nested arrays and objects and the count of values
// (checked as it is parsed, so that the document in memory stays within a few times the file).
constexpr std::size_t kMaxJsonFileBytes = std::size_t{1} << 30;
constexpr int kMaxJsonDepth = 64;
constexpr long kMaxJsonValues = 100'000'000;

// The document in `text`; an invalid one throws "PATH: not a flowlab WHAT (invalid JSON: …)"
// with only printable ASCII of what the parser quotes, one nested deeper than kMaxJsonDepth or
// with more than kMaxJsonValues values "PATH: not a flowlab WHAT (… deeper than …)".
json parse(const std::string& text, const std::string& path, const char* what);
// A value as an error message shows it: numbers, booleans and null as written, a string quoted
// (printable ASCII only, at most 40 characters), an array or object by its kind and size. Never
// more than one short line, whatever the document holds.
std::string describe(const json& v);
// `text` quoted as describe() quotes a string.
std::string quoted(const std::string& text);
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
