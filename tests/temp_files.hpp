// Files of one test process in the temporary directory, in a folder of its own
// (<tmp>/flowlab_test_<pid>/), made on first use and removed with everything in it when the
// process that made it exits (a forked child leaves it alone). ctest runs each test case as a
// process of its own, two at a time: a folder per process keeps two cases that use the same file
// name from writing the same file.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace flowlab::testing {

inline const std::filesystem::path& tempDir() {
  struct Folder {
    pid_t owner = ::getpid();
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("flowlab_test_" + std::to_string(owner));
    Folder() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);  // left by an earlier process of this id
      std::filesystem::create_directories(path);
    }
    ~Folder() {
      std::error_code ignored;
      if (::getpid() == owner) std::filesystem::remove_all(path, ignored);
    }
  };
  static const Folder folder;
  return folder.path;
}

inline std::string tempPath(const std::string& name) { return (tempDir() / name).string(); }

}  // namespace flowlab::testing
