// Folder panels/: the ImGui panels around the canvas (target, training, layers, charts, timeline,
// overlay, help) and the layout that places them.
//
// The app's panels. Each draws itself with ImGui and, following ImGui's convention, returns true
// when the user edited something. UI thread only, between ImGui::NewFrame and ImGui::Render.
#pragma once

#include "app/state/ui_state.hpp"

namespace flowlab::app::panels {

// Where things go on screen (screen pixels): side panels, timeline, status bar and the canvas.
// With a table under the panels (the methods side by side), the canvas leaves it tableHeight
// between its bottom and the timeline.
struct Layout {
  float leftWidth = 0, rightWidth = 0, timelineHeight = 0, statusHeight = 0;
  float canvasX = 0, canvasY = 0, canvasW = 0, canvasH = 0;
  float tableHeight = 0;
  float timelineY() const { return canvasY + canvasH + tableHeight; }
  // The side columns reach from the top to the status bar.
  float columnHeight() const { return timelineY() + timelineHeight; }
};
Layout computeLayout(float windowWidth, float windowHeight, int tableRows = 0);

// Pushes the item width of controls whose labels sit at their right in the left column: what
// the longest label leaves (at least 60 px), so no label is clipped at any window width.
void pushControlWidth(const char* longestLabel);

// Left column: training, target and layer controls.
bool controlPanel(const Layout& layout, FrameContext& f, UiState& ui);
bool trainingSection(FrameContext& f, UiState& ui);
bool targetSection(FrameContext& f, UiState& ui);
bool layersSection(FrameContext& f, UiState& ui);
// Right column: loss and metric charts, numbers (in the left column when the window is narrow).
void chartsPanel(const Layout& layout, FrameContext& f, UiState& ui);
void chartsSection(FrameContext& f, UiState& ui);
// The training-history slider (top of the right column): back to a kept step, or live.
void historyBar(FrameContext& f, UiState& ui);
// Bottom: the timeline (t, play/pause, speed, loop, direction).
bool timelineBar(const Layout& layout, FrameContext& f, UiState& ui);
// The direction switch of the timeline and of the solver lab's bar (D); compact: short labels.
bool directionCombo(Timeline& tl, bool compact);
// Very bottom: running / paused / diverged with its message.
void statusBar(const Layout& layout, FrameContext& f, UiState& ui);
// Over the canvas: hint line, legends, performance overlay, inspector, brush cursor, messages.
void canvasOverlay(const Layout& layout, FrameContext& f, UiState& ui);
// The solver lab: its step bar (in the timeline's place while the lab is on) and its section
// in the left column.
bool solverLabBar(FrameContext& f, UiState& ui);
bool solverLabSection(FrameContext& f, UiState& ui);
// The stages side by side: the left column's section, the switch (C; it ends the solver lab),
// and the labels and figures over each panel.
bool compareSection(FrameContext& f, UiState& ui);
void toggleCompare(UiState& ui);
void compareOverlay(const Layout& layout, FrameContext& f, UiState& ui);
// The stages' figures against the round (right column, compare on).
void compareChartsSection(FrameContext& f);
// The methods side by side: their table under the panels (a row per panel).
void methodTable(const Layout& layout, FrameContext& f, UiState& ui);
// The lab's charts: endpoint error and W2 against the number of steps, per solver.
void solverStudySection(FrameContext& f);
// F1.
void helpWindow(UiState& ui);
// Sessions: the left column's section (Open..., Save, Save as..., recent files: a path or a
// dialog to open, into the commands), the file dialog (a chosen path into the commands), and
// the banner over the canvas (the recovery file on offer, or a message until dismissed).
bool sessionSection(FrameContext& f, UiState& ui);
void openFileDialog(UiState& ui, const std::string& lastFolder);
void saveFileDialog(UiState& ui, const std::string& lastFolder);
void fileDialog(FrameContext& f, UiState& ui);
void bannerWindow(const Layout& layout, FrameContext& f, UiState& ui);

}  // namespace flowlab::app::panels
