// What the user asked for in one frame — from the panels and the keyboard — as plain values.
// The panels only record; App applies the commands after the panels are built, so no panel
// reaches the trainer or the target editor itself. UI thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/trainer_config.hpp"

namespace flowlab::app {

struct Commands {
  std::optional<bool> pause;                  // pause (true) or resume (false) training
  long steps = 0;                             // single training steps to run (pauses first)
  bool reset = false;                         // a fresh model from the running config
  std::optional<core::TrainerConfig> config;  // submit to the trainer
  std::string preset;                         // a built-in target to train on ("" when none)
  bool clearPainting = false;                 // empty the painted density
  struct Import {
    std::string path;
    bool invert = false;
  };
  std::optional<Import> image;  // a picture to train on
  // Methods to train side by side from the model's seed (the model's own training pauses
  // meanwhile); an empty list ends the race (and resumes it).
  struct Race {
    std::vector<core::Method> methods;
    long steps = 0;  // per stage (0: each method's own)
  };
  std::optional<Race> race;
  std::optional<bool> pauseRace;
  // Files: a path to open (a session, or a picture or points to train on, by its extension) and
  // a path to save the session to.
  std::string open, save;
  bool openDialog = false, saveDialog = false;  // ... or the file dialog to choose one
  // Export what is on screen for other tools: "samples", "paths", "density", "divergence",
  // "loss" or "metrics" ("" for nothing), as .npy (else .csv).
  std::string exportWhat;
  bool exportNpy = true;
  std::optional<bool> restoreRecovery;  // the recovery file on offer: restore (true) or discard
};

}  // namespace flowlab::app
