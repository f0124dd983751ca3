// Text drawn over the canvas with a one-pixel dark shadow, so that it reads on any density or
// particle colour beneath it. UI thread only (an ImGui draw list).
#pragma once

#include <imgui.h>

namespace flowlab::app::panels {

inline void shadowText(ImDrawList* d, ImVec2 p, ImU32 colour, const char* text) {
  d->AddText(ImVec2(p.x + 1, p.y + 1), IM_COL32(0, 0, 0, 210), text);
  d->AddText(p, colour, text);
}

}  // namespace flowlab::app::panels
