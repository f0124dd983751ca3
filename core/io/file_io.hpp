// Small file helpers shared by the CLI and model files: whole-file reads, atomic writes, CSV of
// points. Errors are std::runtime_error with a message that names the file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

std::string readTextFile(const std::string& path);
// Whether a path (or any text) ends with `tail` and is longer than it: "x.csv" ends with ".csv",
// ".csv" alone does not.
bool endsWith(const std::string& s, const std::string& tail);
// The whole file, refusing a folder and anything longer than maxBytes (checked as it reads, so a
// device or a pipe that never ends is refused too, with memory bounded by maxBytes).
std::string readBinaryFile(const std::string& path, std::size_t maxBytes);
// Writes `content` to a temporary file beside `path`, flushes it to disk, then renames it over
// `path`: a crash or a kill leaves the old file or the new one, never a part. A symbolic link is
// written through (the file it names is replaced, the link kept); a folder, device or pipe is
// refused. Temporary files that killed writes left beside it are removed.
void writeFileAtomically(const std::string& path, const std::string& content);
// Fails early (before minutes of work) when writeFileAtomically(path, …) would: a missing or
// read-only folder, or a path that names a folder, device or pipe.
void checkWritable(const std::string& path);

// The most points flowlab reads from one file (CSV or .npy), the longest CSV of points, and its
// longest line (a row "x,y" takes under 60 bytes).
constexpr long kMaxPointsInFile = 10'000'000;
constexpr std::size_t kMaxPointsCsvBytes = std::size_t{256} << 20;
constexpr std::size_t kMaxCsvLineBytes = 4096;

// Reads a CSV with header "x,y" (extra columns are an error; CRLF line ends are read as LF) into
// 2×N points, a chunk at a time (memory: the points and one line). Rejects empty files,
// missing/odd headers, a byte-order mark, non-numeric or non-finite values, a line over
// kMaxCsvLineBytes, with the line number; a folder, a file over kMaxPointsCsvBytes or over
// kMaxPointsInFile points, as soon as it gets there.
Points readPointsCsv(const std::string& path);
// The same from the file's bytes, errors naming `path`.
Points pointsFromCsvText(std::string_view text, const std::string& path);
// Formats points as CSV with header "x,y" (9 significant digits).
std::string pointsCsv(const Points& points);
// Formats one column of values with the given header.
std::string valuesCsv(const std::string& header, const PointRow& values);

}  // namespace flowlab::core
