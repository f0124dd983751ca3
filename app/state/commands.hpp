// What the user asked for in one frame — from the panels and the keyboard — as plain values.
// The panels only record; App applies the commands after the panels are built, so no panel
// reaches the trainer or the target editor itself. UI thread only.
#pragma once

#include <optional>
#include <string>

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
};

}  // namespace flowlab::app
