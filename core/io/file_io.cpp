// File helpers: whole-file reads, atomic writes, and CSV of points and values.
#include "core/io/file_io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace flowlab::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool parseFloat(std::string_view s, double& out) {
  s = trim(s);
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

std::string readTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return text.str();
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string readBinaryFile(const std::string& path, std::size_t maxBytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > maxBytes)
      throw std::runtime_error(path + ": larger than " + std::to_string(maxBytes) +
                               " bytes, more than flowlab reads");
  }
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return bytes;
}

namespace {

// The file a write to `path` lands in: through a symbolic link to what it names.
std::filesystem::path writeTarget(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  for (int hops = 0; hops < 16 && fs::is_symlink(fs::symlink_status(p, ec)); ++hops) {
    const fs::path to = fs::read_symlink(p, ec);
    if (ec) break;
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  const auto status = fs::status(p, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status))
    throw std::runtime_error(path + ": not a regular file (a folder, a device or a pipe); " +
                             "flowlab writes only files");
  return p;
}

// Temporary files (NAME.tmpPID) of writes to `target` whose process is gone: a write killed
// before its rename.
void removeStaleTemps(const std::filesystem::path& target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) != 0 && errno == ESRCH)
      fs::remove(entry.path(), ec);
  }
}

}  // namespace

void checkWritable(const std::string& path) {
  const std::string probe = writeTarget(path).string() + ".probe" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write here (" + std::strerror(errno) + ")");
  ::close(fd);
  std::remove(probe.c_str());
}

void writeFileAtomically(const std::string& path, const std::string& content) {
  const std::filesystem::path target = writeTarget(path);
  removeStaleTemps(target);
  const std::string temp = target.string() + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  // On disk before the rename, so that a crash leaves the old file or the new one, never part.
  const bool ok = done == content.size() && ::fsync(fd) == 0;
  const std::string why = std::strerror(errno);
  ::close(fd);
  if (!ok) {
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": write failed (" + why + ")");
  }
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    const std::string error = std::strerror(errno);
    std::remove(temp.c_str());
    throw std::runtime_error(path + ": cannot replace (" + error + ")");
  }
}

namespace {

// A CSV of points read as it arrives, a chunk at a time: complete lines are parsed at once, so
// memory holds the points and one line (at most kMaxCsvLineBytes), never the file.
class CsvPointsReader {
 public:
  explicit CsvPointsReader(const std::string& path) : path_(path) {}

  void feed(std::string_view bytes) {
    while (!bytes.empty()) {
      const std::size_t end = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, end);
      if (pending_.size() + piece.size() > kMaxCsvLineBytes)
        throw fail(lineNo_ + 1,
                   "longer than " + std::to_string(kMaxCsvLineBytes) + " bytes (expected \"x,y\")");
      if (end == std::string_view::npos) {
        pending_.append(piece);
        return;
      }
      if (pending_.empty()) {
        line(piece);
      } else {
        pending_.append(piece);
        line(pending_);
        pending_.clear();
      }
      bytes.remove_prefix(end + 1);
    }
  }

  Points finish() {
    if (!pending_.empty()) line(pending_);  // the last line, without its newline
    if (!header_) throw std::runtime_error(path_ + ": empty file (expected the header \"x,y\")");
    if (values_.empty()) throw std::runtime_error(path_ + ": no points after the header");
    return Eigen::Map<const Points>(values_.data(), 2,
                                    static_cast<Eigen::Index>(values_.size() / 2));
  }

 private:
  std::runtime_error fail(long lineNo, const std::string& what) const {
    return std::runtime_error(path_ + ": line " + std::to_string(lineNo) + ": " + what);
  }

  void line(std::string_view text) {
    ++lineNo_;
    const std::string_view row = trim(text);
    if (row.empty()) return;
    if (!header_) {
      if (row.substr(0, 3) == "\xEF\xBB\xBF")
        throw std::runtime_error(path_ + ": starts with a UTF-8 byte-order mark; save it without " +
                                 "one (the header must be \"x,y\")");
      if (row != "x,y") throw fail(lineNo_, "expected the header \"x,y\"");
      header_ = true;
      return;
    }
    const auto comma = row.find(',');
    double x, y;
    if (comma == std::string_view::npos || row.find(',', comma + 1) != std::string_view::npos ||
        !parseFloat(row.substr(0, comma), x) || !parseFloat(row.substr(comma + 1), y))
      throw fail(lineNo_, "expected two finite numbers \"x,y\"");
    if (std::abs(x) > kMaxCoordinate || std::abs(y) > kMaxCoordinate)
      throw fail(lineNo_, "a coordinate beyond ±1e6");
    if (static_cast<long>(values_.size() / 2) >= kMaxPointsInFile)
      throw std::runtime_error(path_ + ": more than " + std::to_string(kMaxPointsInFile) +
                               " points, more than flowlab reads");
    values_.push_back(static_cast<float>(x));
    values_.push_back(static_cast<float>(y));
  }

  const std::string& path_;
  std::string pending_;  // the start of a line whose end has not arrived
  std::vector<float> values_;
  long lineNo_ = 0;
  bool header_ = false;
};

}  // namespace

Points readPointsCsv(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(path + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
  CsvPointsReader reader(path);
  std::size_t total = 0;
  std::vector<char> chunk(1 << 16);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    total += static_cast<std::size_t>(in.gcount());
    if (total > kMaxPointsCsvBytes)
      throw std::runtime_error(path + ": larger than " + std::to_string(kMaxPointsCsvBytes) +
                               " bytes, more than flowlab reads");
    reader.feed(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return reader.finish();
}

Points pointsFromCsvText(std::string_view text, const std::string& path) {
  if (text.size() > kMaxPointsCsvBytes)
    throw std::runtime_error(path + ": larger than " + std::to_string(kMaxPointsCsvBytes) +
                             " bytes, more than flowlab reads");
  CsvPointsReader reader(path);
  reader.feed(text);
  return reader.finish();
}

std::string pointsCsv(const Points& points) {
  std::string out = "x,y\n";
  out.reserve(out.size() + static_cast<std::size_t>(points.cols()) * 26);
  char buf[64];
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    const int n = std::snprintf(buf, sizeof buf, "%.9g,%.9g\n", points(0, i), points(1, i));
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string valuesCsv(const std::string& header, const PointRow& values) {
  std::string out = header + "\n";
  char buf[32];
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    const int n = std::snprintf(buf, sizeof buf, "%.9g\n", values(i));
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace flowlab::core
