// Sessions in the app: save, save as, open (dialog, recent files, drag and drop), autosave to the
// recovery file and the offer to restore it after a crash. The trainer's record is taken between
// steps and files are read and written on helper threads, so the UI thread never waits (except
// at exit, for the last recovery save, a few seconds at most).
#include <imgui.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>

#include "app/app.hpp"
#include "app/panels/panels.hpp"
#include "app/state/session_view.hpp"
#include "app/target/target_editor.hpp"
#include "app/window.hpp"
#include "core/io/exports.hpp"
#include "core/io/file_io.hpp"

namespace flowlab::app {
namespace {

template <class T>
bool ready(const std::future<T>& f) {
  return f.valid() && f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

std::string folderOf(const std::string& path) {
  std::error_code ec;
  return std::filesystem::absolute(path, ec).parent_path().string();
}

// A trainer's record with its target and the app's view: what a session file holds.
core::Session sessionOf(core::TrainerRecord record, std::shared_ptr<const core::Target> target,
                        std::string view) {
  core::Session s;
  static_cast<core::TrainerRecord&>(s) = std::move(record);
  s.target = std::move(target);
  s.view = std::move(view);
  return s;
}

bool isSessionPath(const std::string& path) {
  return core::endsWith(path, core::kSessionExtension);
}

}  // namespace

void App::applyFileCommands(const Commands& c) {
  const std::string lastFolder = state_ ? state_->lastFolder() : std::string();
  if (c.openDialog) panels::openFileDialog(ui_, lastFolder);
  if (!c.open.empty()) openFile(c.open);
  if (c.saveDialog)
    panels::saveFileDialog(ui_, lastFolder);
  else if (!c.save.empty())
    startSave(c.save, false);
  if (c.restoreRecovery) {
    if (*c.restoreRecovery) startOpen(ui_.recoveryPath, true);
    ui_.recoveryPath.clear();
  }
  for (const std::string& dropped : window_->takeDroppedPaths()) openFile(dropped);
  if (!c.exportWhat.empty()) startExport(c.exportWhat, c.exportNpy);
}

void App::startExport(const std::string& what, bool npy) {
  if (exporting_.valid()) return;
  char stamp[32];
  const std::time_t clock = std::time(nullptr);
  std::tm tm{};
  localtime_r(&clock, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  const std::string folder = state_ && !state_->lastFolder().empty() ? state_->lastFolder() : ".";
  const std::string path = folder + "/flowlab-" + what + "-" + stamp + (npy ? ".npy" : ".csv");
  // What to write, taken now (shared, immutable); written on a helper thread.
  std::function<void()> write;
  const auto particles = view_ ? view_->particles : nullptr;
  const double t = ui_.timeline.t;
  if (what == "samples" && particles) {
    write = [particles, t, path] {
      core::Points x;
      particles->positionsAt(t, x);
      core::writePointsFile(path, x);
    };
  } else if (what == "paths" && particles) {
    write = [particles, path] {
      core::writeTrajectoryFile(path, particles->times, particles->positions);
    };
  } else if ((what == "density" && view_ && view_->density) ||
             (what == "divergence" && view_ && view_->divergence)) {
    const auto layer = what == "density" ? view_->density : view_->divergence;
    write = [layer, path, what] {
      core::writeGridFile(path, layer->grid, what == "density" ? "logp" : "div");
    };
  } else if ((what == "loss" || what == "metrics") && snapshot_) {
    const auto snap = snapshot_;
    write = [snap, path, what] {
      if (what == "loss")
        core::writeLossFile(path, snap->loss);
      else
        core::writeMetricsFile(path, snap->metrics);
    };
  } else {
    ui_.banner = "nothing to export as " + what + " yet" +
                 (what == "divergence" ? " (turn the divergence layer on)" : "");
    return;
  }
  exportPath_ = path;
  exporting_ = std::async(std::launch::async, [write] {
    try {
      write();
      return std::string();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  });
}

void App::openFile(const std::string& path) {
  if (isSessionPath(path)) return startOpen(path, false);
  if (isOpenable(path)) {  // a picture or points to train on
    const std::string error = targets_->importImage(path, ui_.importInvert);
    if (!error.empty()) {
      ui_.banner = error;
    } else {
      ui_.importPath = path;
      ui_.toast = "training on " + path;
      ui_.toastUntil = now() + 4.0;
      if (state_) state_->setLastFolder(folderOf(path));
    }
    return;
  }
  ui_.banner = "cannot open " + path +
               ": flowlab opens sessions (.flowlab), pictures (.png, .jpg) and points (.csv, .npy)";
}

void App::startSave(const std::string& path, bool autosave) {
  if (save_) {
    if (!autosave) ui_.banner = "a save is still being written; try again in a moment";
    return;
  }
  if (!autosave && !isSessionPath(path)) {
    ui_.banner = "cannot save to " + path + ": a session's name ends in .flowlab";
    return;
  }
  if (!autosave) {
    try {
      core::checkWritable(path);
    } catch (const std::exception& e) {
      ui_.banner = e.what();
      return;
    }
  }
  save_ = SaveJob{path, autosave, trainer_->record(), sessionViewJson(ui_), targets_->target(), {}};
  ui_.saving = !autosave;
  savedSteps_ = snapshot_ ? snapshot_->totalSteps : 0;
  savedSubmissions_ = targets_->submissions();
  savedView_ = save_->view;
  changedSince_ = -1.0;
}

void App::startOpen(const std::string& path, bool recovery) {
  if (open_) return;
  ui_.opening = true;
  open_ = OpenJob{path, recovery,
                  std::async(std::launch::async, [path] { return core::loadSession(path); })};
}

void App::finishOpen(core::Session session, const std::string& path, bool recovery) {
  // The view first, on a copy: a bad one refuses the whole file and changes nothing.
  UiState opened = ui_;
  try {
    applySessionView(session.view, opened);
  } catch (const std::exception& e) {
    ui_.banner = path + ": " + e.what();
    return;
  }
  if (race()) startRace({});  // the methods side by side end; the model's own training is replaced
  ui_ = std::move(opened);
  ui_.historyStep = -1;
  ui_.running = ui_.editing = session.training.model.config;
  targets_->setTarget(session.target, session.target->name());
  const std::string written = session.savedAt + " by flowlab " + session.flowlabVersion + " (" +
                              session.kernels + " kernels)";
  // The record part of the session (its target and view are set above).
  auto record = std::make_shared<core::TrainerRecord>(std::move(session));
  trainer_->setPaused(true);
  openedResets_ = trainer_->snapshot()->resets + 1;
  trainer_->resume(std::move(record));
  // Options given with --open win over the file's view: the time shown and whether it plays.
  if (path == options_.open) {
    if (options_.t >= 0.0) ui_.timeline.t = options_.t;
    if (options_.still) ui_.timeline.playing = false;
  }
  if (!recovery) {
    ui_.sessionPath = path;
    if (state_) {
      state_->addRecentFile(path);
      state_->setLastFolder(folderOf(path));
      ui_.recentFiles = state_->recentFiles();
    }
  }
  ui_.toast = (recovery ? "restored the experiment saved " : "opened " + path + ", saved ") +
              written + "; training is paused";
  ui_.toastUntil = now() + 6.0;
  savedView_ = sessionViewJson(ui_);
  changedSince_ = -1.0;
}

void App::pollSessions() {
  if (save_ && !save_->written.valid() && ready(save_->record)) {
    try {
      core::Session s = sessionOf(save_->record.get(), save_->target, save_->view);
      save_->written = std::async(std::launch::async, [s = std::move(s), path = save_->path] {
        try {
          core::saveSession(s, path);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
    } catch (const std::exception& e) {
      save_->written = std::async(std::launch::deferred, [m = std::string(e.what())] { return m; });
    }
  }
  if (save_ && ready(save_->written)) {
    const std::string error = save_->written.get();
    if (!save_->autosave) {
      if (error.empty()) {
        ui_.sessionPath = save_->path;
        ui_.toast = "saved " + save_->path;
        ui_.toastUntil = now() + 4.0;
        if (state_) {
          state_->discardRecovery();
          state_->addRecentFile(save_->path);
          state_->setLastFolder(folderOf(save_->path));
          ui_.recentFiles = state_->recentFiles();
        }
      } else {
        ui_.banner = "not saved: " + error;
      }
    } else if (!error.empty()) {
      std::cerr << "flowlab: autosave failed: " << error << "\n";
    }
    ui_.saving = false;
    save_.reset();
  }
  if (open_ && ready(open_->session)) {
    OpenJob job = std::move(*open_);
    open_.reset();
    ui_.opening = false;
    try {
      finishOpen(job.session.get(), job.path, job.recovery);
    } catch (const std::exception& e) {
      ui_.banner = e.what();  // names the file
    }
  }
  if (ready(exporting_)) {
    const std::string error = exporting_.get();
    if (error.empty()) {
      std::error_code ec;
      ui_.toast =
          "exported " + std::filesystem::absolute(exportPath_, ec).lexically_normal().string();
      ui_.toastUntil = now() + 5.0;
    } else {
      ui_.banner = "not exported: " + error;
    }
  }
  autosaveIfDue();
}

void App::autosaveIfDue() {
  if (!state_ || !state_->usable()) return;
  const double t = now();
  if (t - lastChangeCheck_ < 1.0) return;  // the view's text once a second, not every frame
  lastChangeCheck_ = t;
  const bool changed = (snapshot_ && snapshot_->totalSteps != savedSteps_) ||
                       targets_->submissions() != savedSubmissions_ ||
                       sessionViewJson(ui_) != savedView_;
  if (!changed) return;
  if (changedSince_ < 0.0) changedSince_ = t;
  if (t - changedSince_ >= options_.autosaveSeconds) startSave(state_->recoveryPath(), true);
}

std::string App::saveNow(const std::string& path) {
  if (save_ && save_->written.valid()) save_->written.wait();
  save_.reset();
  try {
    std::future<core::TrainerRecord> record = trainer_->record();
    if (record.wait_for(std::chrono::seconds(120)) != std::future_status::ready)
      return "the trainer did not answer within 120 s";
    const core::Session s = sessionOf(record.get(), targets_->target(), sessionViewJson(ui_));
    core::saveSession(s, path);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

void App::saveOnExit() {
  if (!options_.save.empty()) {
    if (const std::string error = saveNow(options_.save); !error.empty()) {
      std::cerr << "flowlab: " << error << "\n";
      exitCode_ = 1;
    } else {
      std::cerr << "flowlab: saved the session to " << options_.save << "\n";
    }
  }
  if (!state_ || !state_->usable()) return;
  if (const std::string error = saveNow(state_->recoveryPath()); !error.empty())
    std::cerr << "flowlab: could not save the recovery file: " << error << "\n";
  state_->closeRun();
}

}  // namespace flowlab::app
