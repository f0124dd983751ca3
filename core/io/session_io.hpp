// Session files: a whole experiment as one versioned JSON document ("format":
// "flowlab-session"): the target (a built-in's name, a painted or imported grid, or imported
// points, stored exactly as base64 of little-endian float32), the training checkpoint (every
// stage's model in the model file's layout, the optimiser's moments, the random stream and the
// divergence guard: training resumes bit for bit), the charts' histories, and the app's view
// settings (a JSON object that core keeps as text and does not interpret). The file also records
// the flowlab version, the kernel set and the seed, so that a result can be traced. Written
// atomically (file_io.hpp). Any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/training/trainer.hpp"

namespace flowlab::core {

// A trainer's record (checkpoint, charts, kept history; trainer.hpp) with what it trains on and
// how the app showed it.
struct Session : TrainerRecord {
  static constexpr int kFormatVersion = 1;
  std::shared_ptr<const Target> target;
  std::string view = "{}";  // the app's settings: a JSON object's text
  // Filled by loadSession (saveSession writes this build's): who wrote the file, and when.
  std::string flowlabVersion, kernels, savedAt;
};

// Throws std::runtime_error naming the file on a failed write, a target of a kind sessions do
// not store, or non-finite parameters.
void saveSession(const Session& session, const std::string& path);
// Throws std::runtime_error naming the file and the problem: missing, not JSON, not a session,
// a newer format version (with the version it needs), any field missing, of the wrong type or
// out of range, arrays whose sizes disagree with the network, a view that is not an object.
// Over json_fields' limits (kMaxJsonFileBytes, nesting, value count) it is refused unread.
Session loadSession(const std::string& path);
// The same from the file's text, errors naming `path`.
Session sessionFromJsonText(const std::string& text, const std::string& path);

// The extension by which commands that write files tell a session from a model.
constexpr const char* kSessionExtension = ".flowlab";

// The most cells of a grid target and points of a points target a session may hold.
constexpr long kMaxSessionGridCells = 4'000'000;
// The most history entries a session may hold (the app keeps at most 48 per stage).
constexpr std::size_t kMaxHistoryEntries = 2000;

}  // namespace flowlab::core
