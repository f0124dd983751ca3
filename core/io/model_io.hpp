// Folder io/: files (model JSON, PNG pictures with captions, CSV points, atomic writes).
//
// Model files: a versioned JSON document holding the training config and every stage's
// parameters. Written atomically (temporary file + rename), so a failed or interrupted write
// never leaves a partial file. Callable from any thread.
#pragma once

#include <string>

#include "core/model/model.hpp"

namespace flowlab::core {

// Throws std::runtime_error naming the file on any I/O failure.
void saveModel(const Model& model, const std::string& path);

// Throws std::runtime_error naming the file and the problem (missing, not JSON, wrong format or
// version, unknown method, invalid config, parameter count mismatch, non-finite values, over
// json_fields' limits: kMaxJsonFileBytes, nesting and value count).
Model loadModel(const std::string& path);
// The same from the file's text (a session's text gives its model), errors naming `path`.
Model modelFromJsonText(const std::string& text, const std::string& path);

}  // namespace flowlab::core
