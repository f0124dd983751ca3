// The file dialog's model (see file_browser.hpp).
#include "app/state/file_browser.hpp"

#include <algorithm>
#include <filesystem>

#include "core/io/file_io.hpp"

namespace flowlab::app {
namespace {
namespace fs = std::filesystem;
}  // namespace

void FileBrowser::open(Purpose purpose, const std::string& folder,
                       std::vector<std::string> extensions, const std::string& name) {
  purpose_ = purpose;
  extensions_ = std::move(extensions);
  fileName = name;
  open_ = true;
  error_.clear();
  std::error_code ec;
  if (folder.empty() || !fs::is_directory(folder, ec)) {
    go(fs::current_path(ec).string());
  } else {
    go(folder);
  }
}

void FileBrowser::go(const std::string& folder) {
  std::error_code ec;
  const fs::path where = fs::absolute(folder, ec).lexically_normal();
  std::vector<Entry> folders, files;
  fs::directory_iterator it(where, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    error_ = "cannot open the folder " + where.string() + ": " + ec.message();
    return;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code typeError;
    if (it->is_directory(typeError)) {
      folders.push_back({name, true});
    } else if (std::any_of(extensions_.begin(), extensions_.end(),
                           [&](const std::string& e) { return core::endsWith(name, e); })) {
      files.push_back({name, false});
    }
  }
  const auto byName = [](const Entry& a, const Entry& b) { return a.name < b.name; };
  std::sort(folders.begin(), folders.end(), byName);
  std::sort(files.begin(), files.end(), byName);
  folders.insert(folders.end(), files.begin(), files.end());
  entries_ = std::move(folders);
  folder_ = where.string();
  if (folder_.size() > 1 && folder_.back() == '/') folder_.pop_back();
  error_.clear();
}

void FileBrowser::up() {
  const fs::path parent = fs::path(folder_).parent_path();
  if (!parent.empty()) go(parent.string());
}

std::string FileBrowser::chosenPath() const {
  if (fileName.empty()) return {};
  std::string name = fileName;
  const bool hasExtension =
      std::any_of(extensions_.begin(), extensions_.end(),
                  [&](const std::string& e) { return core::endsWith(name, e); });
  if (purpose_ == Purpose::SaveSession && !hasExtension && !extensions_.empty())
    name += extensions_.front();
  if (!name.empty() && name[0] == '/') return name;
  return (folder_ == "/" ? "" : folder_) + "/" + name;
}

}  // namespace flowlab::app
