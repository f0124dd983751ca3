// The app's state directory (see state_directory.hpp).
#include "app/state/state_directory.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/file_io.hpp"

namespace flowlab::app {
namespace {

namespace fs = std::filesystem;

// Whether process `pid` still runs: it exists (kill(pid, 0), which a zombie passes too — a killed
// process waits there until its parent reaps it) and /proc/PID/stat does not say Z (zombie).
bool processRuns(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');  // "PID (name) S ...": the name may hold spaces and ')'
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

std::string defaultRoot() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/')
    return std::string(xdg) + "/flowlab";
  if (const char* home = std::getenv("HOME"); home && *home == '/')
    return std::string(home) + "/.local/state/flowlab";
  return {};
}

std::vector<std::string> lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

void writeQuietly(const std::string& path, const std::string& text) {
  try {
    core::writeFileAtomically(path, text);
  } catch (const std::exception&) {
    // A state file that cannot be written only loses a convenience.
  }
}

std::string localTime(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "unknown time";
  std::tm tm{};
  localtime_r(&st.st_mtime, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

StateDirectory::StateDirectory(std::string root) : dir_(root.empty() ? defaultRoot() : root) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec)) dir_.clear();
}

std::string StateDirectory::recoveryPath() const {
  return usable() ? file("recovery.flowlab") : std::string();
}

std::optional<StateDirectory::Recovery> StateDirectory::openRun() {
  if (!usable()) return std::nullopt;
  std::optional<Recovery> found;
  const auto marker = lines(file("running"));
  if (!marker.empty()) {
    const long pid = std::atol(marker.front().c_str());
    const bool alive = pid > 0 && processRuns(pid_t(pid));
    std::error_code ec;
    if (!alive && fs::is_regular_file(recoveryPath(), ec))
      found = Recovery{recoveryPath(), localTime(recoveryPath())};
  }
  writeQuietly(file("running"), std::to_string(::getpid()) + "\n");
  return found;
}

void StateDirectory::discardRecovery() {
  if (!usable()) return;
  std::error_code ec;
  fs::remove(recoveryPath(), ec);
}

void StateDirectory::closeRun() {
  if (!usable()) return;
  std::error_code ec;
  fs::remove(file("running"), ec);
}

std::vector<std::string> StateDirectory::recentFiles() const {
  if (!usable()) return {};
  auto list = lines(file("recent"));
  if (list.size() > kRecentFiles) list.resize(kRecentFiles);
  return list;
}

void StateDirectory::addRecentFile(const std::string& path) {
  if (!usable() || path.empty() || path.find('\n') != std::string::npos) return;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const std::string entry = ec ? path : absolute.lexically_normal().string();
  auto list = recentFiles();
  list.erase(std::remove(list.begin(), list.end(), entry), list.end());
  list.insert(list.begin(), entry);
  if (list.size() > kRecentFiles) list.resize(kRecentFiles);
  std::ostringstream text;
  for (const std::string& f : list) text << f << "\n";
  writeQuietly(file("recent"), text.str());
}

std::string StateDirectory::lastFolder() const {
  if (!usable()) return {};
  const auto list = lines(file("last_folder"));
  return list.empty() ? std::string() : list.front();
}

void StateDirectory::setLastFolder(const std::string& folder) {
  if (!usable() || folder.find('\n') != std::string::npos) return;
  writeQuietly(file("last_folder"), folder + "\n");
}

}  // namespace flowlab::app
