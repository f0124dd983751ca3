// The app's part of a session file: what is on screen — every layer's switch and style, the
// camera, the flow time and its direction, the animation, the side-by-side switches, the loss
// smoothing and the brush — as a JSON object's text, and back. GL-free; UI thread.
#pragma once

#include <string>

#include "app/state/ui_state.hpp"

namespace flowlab::app {

std::string sessionViewJson(const UiState& ui);
// Puts the settings of `json` into `ui` (a field that is absent keeps its value). Throws
// std::runtime_error naming the first field of the wrong type or out of range, before changing
// anything.
void applySessionView(const std::string& json, UiState& ui);

}  // namespace flowlab::app
