// Target edits: presets, import and brush strokes, throttled into Trainer::setTarget calls.
#include "app/target_editor.hpp"

#include <exception>

namespace flowlab::app {

TargetEditor::TargetEditor(Submit submit, core::Box box, int cells)
    : submit_(std::move(submit)), canvas_(cells, cells, box) {}

void TargetEditor::setTarget(std::shared_ptr<const core::Target> target, std::string label) {
  if (!target) return;
  target_ = std::move(target);
  label_ = std::move(label);
  canvasHoldsTarget_ = false;  // loaded lazily when a stroke starts
  ++submissions_;
  if (submit_) submit_(target_);
}

bool TargetEditor::loadPreset(const std::string& name) {
  auto target = core::makeBuiltinTarget(name);
  if (!target) return false;
  setTarget(std::move(target), name);
  return true;
}

std::string TargetEditor::importImage(const std::string& path, bool invert) {
  try {
    auto target = core::ImageTarget::fromFile(path, canvas_.box(), invert);
    const auto slash = path.find_last_of('/');
    setTarget(target, "image " + path.substr(slash == std::string::npos ? 0 : slash + 1));
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

void TargetEditor::beginStroke(double x, double y, const BrushSettings& brush, double now) {
  if (!canvasHoldsTarget_) {
    // Start from the density being trained, so painting adds to it rather than replacing it.
    if (target_) canvas_.loadFromTarget(*target_);
    canvasHoldsTarget_ = true;
    pushedRevision_ = canvas_.revision();
  }
  painting_ = true;
  lastX_ = x;
  lastY_ = y;
  canvas_.stamp(x, y, brush);
  push(now, false);
}

void TargetEditor::strokeTo(double x, double y, const BrushSettings& brush, double now) {
  if (!painting_) return beginStroke(x, y, brush, now);
  canvas_.strokeTo(lastX_, lastY_, x, y, brush);
  lastX_ = x;
  lastY_ = y;
  push(now, false);
}

void TargetEditor::endStroke(double now) {
  if (!painting_) return;
  painting_ = false;
  push(now, true);
}

void TargetEditor::clearCanvas() {
  canvas_.clear();
  canvasHoldsTarget_ = true;
  pushedRevision_ = canvas_.revision();
}

void TargetEditor::push(double now, bool force) {
  if (canvas_.revision() == pushedRevision_) return;
  if (!force && now - lastPush_ < pushInterval) return;
  auto target = canvas_.makeTarget("painted");
  if (!target) return;  // an empty canvas cannot be a density: keep the current target
  target_ = target;
  label_ = "painted";
  pushedRevision_ = canvas_.revision();
  lastPush_ = now;
  ++submissions_;
  if (submit_) submit_(target_);
}

}  // namespace flowlab::app
