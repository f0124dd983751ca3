// What the app keeps between runs, in the user's state directory ($XDG_STATE_HOME/flowlab, or
// ~/.local/state/flowlab): the recovery session autosaved while it runs, a marker that says a
// run is open (left behind by a crash or a kill, so the next start offers the recovery file),
// the recent files and the file dialog's last folder. GL-free; UI thread. Every write is atomic;
// a directory that cannot be made leaves these features off (paths empty), never the app.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flowlab::app {

class StateDirectory {
 public:
  // `root` overrides the environment (tests); empty: from XDG_STATE_HOME or HOME.
  explicit StateDirectory(std::string root = {});

  bool usable() const { return !dir_.empty(); }
  const std::string& path() const { return dir_; }
  std::string recoveryPath() const;  // "" when not usable

  // At start: whether a previous run ended without closing (its marker is there and its process
  // is gone) and left a recovery file; then marks this run as open.
  struct Recovery {
    std::string path;
    std::string writtenAt;  // local time the recovery file was last written, "YYYY-MM-DD HH:MM:SS"
  };
  std::optional<Recovery> openRun();
  // At a clean exit: this run is closed (the recovery file stays, as the last state).
  void closeRun();
  // After a session is saved or opened: the recovery file is older than a file the user has, so
  // it goes (a crash before the next change then offers nothing stale).
  void discardRecovery();

  // Most recent first, at most kRecentFiles, each once.
  std::vector<std::string> recentFiles() const;
  void addRecentFile(const std::string& file);
  static constexpr std::size_t kRecentFiles = 10;

  std::string lastFolder() const;  // "" when none
  void setLastFolder(const std::string& folder);

 private:
  std::string file(const char* name) const { return dir_ + "/" + name; }
  std::string dir_;
};

}  // namespace flowlab::app
