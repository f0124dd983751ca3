// The file dialog's model (the ImGui drawing is panels/file_dialog.cpp): a folder's entries —
// sub-folders first, then the files with an accepted extension, each group by name, hidden ones
// left out — navigation, and the path chosen. GL-free; UI thread.
#pragma once

#include <string>
#include <vector>

namespace flowlab::app {

class FileBrowser {
 public:
  enum class Purpose { OpenFile, SaveSession };
  struct Entry {
    std::string name;
    bool folder = false;
  };

  // Opens on `folder` (the current folder when empty or unreadable), listing files that end
  // with one of `extensions`; `fileName` pre-fills the name field (saving).
  void open(Purpose purpose, const std::string& folder, std::vector<std::string> extensions,
            const std::string& fileName = {});
  void close() { open_ = false; }
  bool isOpen() const { return open_; }
  Purpose purpose() const { return purpose_; }

  // Lists `folder` (absolute after this); on failure keeps the old listing and sets error().
  void go(const std::string& folder);
  void enter(const std::string& child) { go(folder_ + "/" + child); }
  void up();
  void refresh() { go(folder_); }

  const std::string& folder() const { return folder_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& error() const { return error_; }
  std::string fileName;  // the name field
  // folder/fileName, with the first accepted extension added when saving and none is given;
  // "" without a name.
  std::string chosenPath() const;

 private:
  bool open_ = false;
  Purpose purpose_ = Purpose::OpenFile;
  std::string folder_, error_;
  std::vector<std::string> extensions_;
  std::vector<Entry> entries_;
};

}  // namespace flowlab::app
