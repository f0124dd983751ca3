// Sessions and files: the left column's section (open, save, save as, recent files), the file
// dialog, and the banner over the canvas (a recovery file on offer after a crash, or a file
// that could not be opened or saved).
#include <imgui.h>

#include <filesystem>
#include <string>

#include "app/panels/panels.hpp"
#include "app/state/app_options.hpp"

namespace flowlab::app::panels {
namespace {

std::string baseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

std::string folderOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

void openFileDialog(UiState& ui, const std::string& lastFolder) {
  ui.browser.open(FileBrowser::Purpose::OpenFile,
                  ui.sessionPath.empty() ? lastFolder : folderOf(ui.sessionPath),
                  openableExtensions());
}

void saveFileDialog(UiState& ui, const std::string& lastFolder) {
  const std::string name = ui.sessionPath.empty() ? "experiment.flowlab" : baseName(ui.sessionPath);
  ui.browser.open(FileBrowser::Purpose::SaveSession,
                  ui.sessionPath.empty() ? lastFolder : folderOf(ui.sessionPath), {".flowlab"},
                  name);
}

bool sessionSection(FrameContext& f, UiState& ui) {
  const bool busy = ui.saving || ui.opening;
  if (busy) ImGui::BeginDisabled();
  if (ImGui::Button("Open...")) f.commands.openDialog = true;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Ctrl+O: a session, or a picture or points to train on");
  ImGui::SameLine();
  if (ImGui::Button("Save")) {
    f.commands.saveDialog = ui.sessionPath.empty();
    f.commands.save = ui.sessionPath;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Ctrl+S: the whole experiment in one file (target, models, optimiser,\n"
        "charts, view); opening it puts it all back and training resumes exactly");
  ImGui::SameLine();
  if (ImGui::Button("Save as...")) f.commands.saveDialog = true;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Ctrl+Shift+S");
  if (busy) ImGui::EndDisabled();
  if (ui.saving || ui.opening) {
    ImGui::TextDisabled(ui.saving ? "saving..." : "opening...");
  } else {
    ImGui::TextDisabled(
        "%s", ui.sessionPath.empty() ? "not saved yet" : baseName(ui.sessionPath).c_str());
    if (!ui.sessionPath.empty() && ImGui::IsItemHovered())
      ImGui::SetTooltip("%s", ui.sessionPath.c_str());
  }
  ImGui::TextDisabled("Export");
  ImGui::SameLine();
  if (ImGui::RadioButton(".npy", ui.exportNpy)) ui.exportNpy = true;
  ImGui::SameLine();
  if (ImGui::RadioButton(".csv", !ui.exportNpy)) ui.exportNpy = false;
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "What is on screen, for numpy or a spreadsheet: the particles at the t\n"
        "shown, their paths (every knot), the exact log density and the\n"
        "divergence grids, the loss and the held-out metrics. Written beside\n"
        "the last file opened or saved, named flowlab-WHAT-DATE-TIME.");
  int column = 0;
  for (const char* what : {"samples", "paths", "density", "divergence", "loss", "metrics"}) {
    if (column++ % 3 != 0) ImGui::SameLine();
    if (ImGui::SmallButton(what)) {
      f.commands.exportWhat = what;
      f.commands.exportNpy = ui.exportNpy;
    }
  }
  if (!ui.recentFiles.empty()) {
    ImGui::SetNextItemWidth(-1.0f);
    if (ImGui::BeginCombo("##recent", "Recent files")) {
      for (const std::string& file : ui.recentFiles) {
        if (ImGui::Selectable(baseName(file).c_str())) f.commands.open = file;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", file.c_str());
      }
      ImGui::EndCombo();
    }
  }
  return false;
}

void fileDialog(FrameContext& f, UiState& ui) {
  FileBrowser& b = ui.browser;
  if (!b.isOpen()) return;
  const bool saving = b.purpose() == FileBrowser::Purpose::SaveSession;
  const ImVec2 size(560.0f, 420.0f);
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(
      ImVec2(0.5f * (io.DisplaySize.x - size.x), 0.5f * (io.DisplaySize.y - size.y)),
      ImGuiCond_Appearing);
  ImGui::SetNextWindowSize(size, ImGuiCond_Appearing);
  ImGui::SetNextWindowFocus();
  bool open = true;
  ImGui::Begin(saving ? "Save the session as" : "Open a session, picture or points", &open,
               ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
  if (ImGui::Button("Up")) b.up();
  ImGui::SameLine();
  ImGui::TextUnformatted(b.folder().c_str());
  if (!b.error().empty())
    ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.4f, 1.0f), "%s", b.error().c_str());
  const float footer = ImGui::GetFrameHeightWithSpacing() * 2.2f;
  ImGui::BeginChild("entries", ImVec2(0, -footer), true);
  std::string enter;
  for (const FileBrowser::Entry& e : b.entries()) {
    const std::string label = e.folder ? e.name + "/" : e.name;
    if (ImGui::Selectable(label.c_str(), !e.folder && e.name == b.fileName,
                          ImGuiSelectableFlags_AllowDoubleClick)) {
      if (e.folder) {
        enter = e.name;
      } else {
        b.fileName = e.name;
        if (ImGui::IsMouseDoubleClicked(0))
          (saving ? f.commands.save : f.commands.open) = b.chosenPath();
      }
    }
  }
  if (b.entries().empty()) ImGui::TextDisabled("(no folders or matching files here)");
  ImGui::EndChild();
  if (!enter.empty()) b.enter(enter);
  char name[512];
  std::snprintf(name, sizeof name, "%s", b.fileName.c_str());
  ImGui::SetNextItemWidth(-170.0f);
  const bool typed =
      ImGui::InputText("##name", name, sizeof name, ImGuiInputTextFlags_EnterReturnsTrue);
  b.fileName = name;
  ImGui::SameLine();
  const bool ok = ImGui::Button(saving ? "Save" : "Open", ImVec2(75, 0)) || typed;
  ImGui::SameLine();
  if (ImGui::Button("Cancel", ImVec2(75, 0))) open = false;
  if (ok && !b.chosenPath().empty()) (saving ? f.commands.save : f.commands.open) = b.chosenPath();
  ImGui::TextDisabled(saving ? "sessions end in .flowlab"
                             : "sessions (.flowlab), pictures (.png, .jpg), points (.csv, .npy)");
  ImGui::End();
  if (!open || !(saving ? f.commands.save : f.commands.open).empty()) b.close();
}

void bannerWindow(const Layout& layout, FrameContext& f, UiState& ui) {
  const bool recovery = !ui.recoveryPath.empty();
  if (!recovery && ui.banner.empty()) return;
  const float width = std::min(layout.canvasW - 20.0f, 620.0f);
  ImGui::SetNextWindowPos(
      ImVec2(layout.canvasX + 0.5f * (layout.canvasW - width), layout.canvasY + 34.0f));
  ImGui::SetNextWindowSize(ImVec2(width, 0.0f));
  ImGui::Begin("banner", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_AlwaysAutoResize);
  if (recovery) {
    ImGui::TextWrapped(
        "flowlab did not close cleanly last time. The experiment it had open was "
        "saved at %s. Restore it?",
        ui.recoveryWritten.c_str());
    if (ImGui::Button("Restore")) f.commands.restoreRecovery = true;
    ImGui::SameLine();
    if (ImGui::Button("Discard")) f.commands.restoreRecovery = false;
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.62f, 0.5f, 1.0f));
    ImGui::TextWrapped("%s", ui.banner.c_str());
    ImGui::PopStyleColor();
    if (ImGui::Button("Dismiss")) ui.banner.clear();
  }
  ImGui::End();
}

}  // namespace flowlab::app::panels
