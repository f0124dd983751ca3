// A model as a JSON object (its target name, config and stages), shared by model files and
// session files. Internal to core/io.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/model/model.hpp"

namespace flowlab::core {

// The session format's version, here so that loadModel can read a session's model.
constexpr long kSessionFormatVersion = 1;

// Throws std::runtime_error naming `path` for non-finite parameters.
nlohmann::json modelJson(const Model& model, const std::string& path);
// Validates every field (std::runtime_error naming the problem, not the file).
Model modelFromJson(const nlohmann::json& doc);
// Inside a catch block: rethrows the exception being handled as std::runtime_error whose
// message starts with `path` ("PATH: malformed WHAT file (…)" for a JSON type or key error).
[[noreturn]] void rethrowNamingFile(const std::string& path, const char* what);

}  // namespace flowlab::core
