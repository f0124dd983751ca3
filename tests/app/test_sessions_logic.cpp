// Tests of the app's session logic without a window: the on-screen settings as JSON (round
// trip, refusal without a change), the state directory (recovery offer after a crash only,
// recent files, last folder, XDG_STATE_HOME) and the file dialog's listing.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "app/state/file_browser.hpp"
#include "app/state/session_view.hpp"
#include "app/state/state_directory.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::app;
namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string& name) {
  const fs::path p = flowlab::testing::tempDir() / ("sessions_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void touch(const fs::path& p, const std::string& text = "x") { std::ofstream(p) << text; }

// A process id that no longer runs: a child that has exited and been reaped.
long deadPid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

}  // namespace

TEST_CASE("the on-screen settings round-trip through JSON") {
  UiState ui;
  ui.view.particles = false;
  ui.view.particleCount = 1234;
  ui.view.pointSize = 4.5f;
  ui.view.streamlines = true;
  ui.view.colouring = flowlab::core::ParticleColouring::ByLogDensity;
  ui.timeline.t = 0.25;
  ui.timeline.speed = 1.5;
  ui.timeline.setDirection(flowlab::core::FlowDirection::Normalize);
  ui.compare = true;
  ui.lossSmoothing = 0.9f;
  ui.brush.radius = 1.25;
  ui.camera.setViewport(0, 0, 800, 600);
  ui.camera.setView({1.5, -2.0}, 250.0);
  const std::string json = sessionViewJson(ui);
  UiState back;
  CHECK(back.fitPending);
  applySessionView(json, back);
  CHECK_FALSE(back.view.particles);
  CHECK(back.view.particleCount == 1234);
  CHECK(back.view.pointSize == 4.5f);
  CHECK(back.view.streamlines);
  CHECK(back.view.colouring == flowlab::core::ParticleColouring::ByLogDensity);
  CHECK(back.timeline.t == 0.25);
  CHECK(back.timeline.speed == 1.5);
  CHECK(back.timeline.direction == flowlab::core::FlowDirection::Normalize);
  CHECK(back.compare);
  CHECK(back.lossSmoothing == 0.9f);
  CHECK(back.brush.radius == 1.25);
  CHECK(back.camera.center().x == 1.5);
  CHECK(back.camera.center().y == -2.0);
  CHECK(back.camera.pixelsPerUnit() == 250.0);
  CHECK_FALSE(back.fitPending);  // the saved camera, not a fit
  CHECK(sessionViewJson(back) == json);
  // An empty object changes nothing.
  UiState same = back;
  applySessionView("{}", same);
  CHECK(sessionViewJson(same) == json);
}

TEST_CASE("bad view settings are refused by name and change nothing") {
  UiState ui;
  const std::string before = sessionViewJson(ui);
  const auto refused = [&](const std::string& json, const std::string& mentions) {
    try {
      applySessionView(json, ui);
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find(mentions) != std::string::npos);
      return sessionViewJson(ui) == before;
    }
    return false;
  };
  CHECK(refused("[1, 2]", "not an object"));
  CHECK(refused("{\"particles\"", "not JSON"));
  CHECK(refused(R"({"t": 0.5, "particle_count": 0})", "particle_count"));
  CHECK(refused(R"({"t": 1.5})", "\"t\""));
  CHECK(refused(R"({"particles": 1})", "particles"));
  CHECK(refused(R"({"particle_count": 2.5})", "integer"));
  CHECK(refused(R"({"direction": "sideways"})", "direction"));
  CHECK(refused(R"({"camera": {"x": 0, "y": 0, "pixels_per_unit": 0}})", "camera"));
  CHECK(refused(R"({"camera": {"x": 1e300, "y": 0, "pixels_per_unit": 100}})", "camera"));
}

TEST_CASE("the state directory offers the recovery file only after a run that did not close") {
  const fs::path root = freshDir("state");
  {
    StateDirectory first(root.string());
    REQUIRE(first.usable());
    CHECK_FALSE(first.openRun());  // nothing before
    touch(first.recoveryPath());
    // This run is open and alive: another start does not offer its file.
    StateDirectory second(root.string());
    CHECK_FALSE(second.openRun());
    second.closeRun();  // a clean exit
    StateDirectory third(root.string());
    CHECK_FALSE(third.openRun());  // after a clean exit: no offer
  }
  // A run that was killed: its marker names a process that is gone.
  touch(root / "running", std::to_string(deadPid()) + "\n");
  StateDirectory afterCrash(root.string());
  const auto offer = afterCrash.openRun();
  REQUIRE(offer);
  CHECK(offer->path == afterCrash.recoveryPath());
  CHECK(offer->writtenAt.size() == 19);  // YYYY-MM-DD HH:MM:SS
  // ... but not without a recovery file.
  fs::remove(afterCrash.recoveryPath());
  touch(root / "running", std::to_string(deadPid()) + "\n");
  CHECK_FALSE(StateDirectory(root.string()).openRun());
  // A killed run not yet reaped by its parent (a zombie) is gone too.
  touch(afterCrash.recoveryPath());
  const pid_t zombie = ::fork();
  REQUIRE(zombie >= 0);
  if (zombie == 0) ::_exit(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // exited, not reaped
  touch(root / "running", std::to_string(zombie) + "\n");
  CHECK(StateDirectory(root.string()).openRun());
  ::waitpid(zombie, nullptr, 0);
  // A saved session supersedes the recovery file.
  StateDirectory saved(root.string());
  saved.discardRecovery();
  CHECK_FALSE(fs::exists(saved.recoveryPath()));
}

TEST_CASE("recent files: newest first, each once, at most ten, the last folder, XDG_STATE_HOME") {
  const fs::path root = freshDir("recent");
  StateDirectory state(root.string());
  for (int i = 0; i < 12; ++i) state.addRecentFile((root / "f").string() + std::to_string(i));
  state.addRecentFile((root / "f5").string());
  const auto recent = StateDirectory(root.string()).recentFiles();
  REQUIRE(recent.size() == StateDirectory::kRecentFiles);
  CHECK(recent[0] == (root / "f5").string());
  CHECK(recent[1] == (root / "f11").string());
  CHECK(std::count(recent.begin(), recent.end(), (root / "f5").string()) == 1);
  state.setLastFolder("/some/where");
  CHECK(StateDirectory(root.string()).lastFolder() == "/some/where");

  const fs::path xdg = freshDir("xdg");
  setenv("XDG_STATE_HOME", xdg.c_str(), 1);
  CHECK(StateDirectory().path() == (xdg / "flowlab").string());
  CHECK(fs::is_directory(xdg / "flowlab"));
  setenv("XDG_STATE_HOME", "/proc/flowlab-cannot-be-made", 1);
  const StateDirectory unusable;
  CHECK_FALSE(unusable.usable());
  CHECK(unusable.recoveryPath().empty());
  unsetenv("XDG_STATE_HOME");
}

TEST_CASE("the file dialog lists folders, then matching files, by name, saving adds .flowlab") {
  const fs::path root = freshDir("browse");
  fs::create_directories(root / "sub");
  fs::create_directories(root / ".hidden");
  for (const char* f : {"b.png", "a.flowlab", "notes.txt", ".secret.flowlab"}) touch(root / f);
  FileBrowser b;
  b.open(FileBrowser::Purpose::OpenFile, root.string(), {".flowlab", ".png"});
  REQUIRE(b.entries().size() == 3);
  CHECK(b.entries()[0].name == "sub");
  CHECK(b.entries()[0].folder);
  CHECK(b.entries()[1].name == "a.flowlab");
  CHECK(b.entries()[2].name == "b.png");
  b.fileName = "a.flowlab";
  CHECK(b.chosenPath() == (root / "a.flowlab").string());
  b.enter("sub");
  CHECK(b.folder() == (root / "sub").string());
  CHECK(b.entries().empty());
  b.up();
  CHECK(b.folder() == root.string());
  b.go((root / "missing").string());
  CHECK_FALSE(b.error().empty());
  CHECK(b.folder() == root.string());  // the old listing stays
  b.open(FileBrowser::Purpose::SaveSession, root.string(), {".flowlab"}, "run");
  CHECK(b.chosenPath() == (root / "run.flowlab").string());
  b.fileName.clear();
  CHECK(b.chosenPath().empty());
}
