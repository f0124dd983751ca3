// Editing the training target while training runs: presets (built-in targets), image import and
// the brush. Every change goes to the trainer through `submit` (Trainer::setTarget, applied
// between steps, never resetting the model); during a stroke at most every `pushInterval`
// seconds, and once more when the stroke ends. GL-free; UI thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/brush.hpp"
#include "core/targets.hpp"

namespace flowlab::app {

class TargetEditor {
 public:
  using Submit = std::function<void(std::shared_ptr<const core::Target>)>;

  // The canvas covers `box` with `cells` × `cells` cells.
  explicit TargetEditor(Submit submit, core::Box box = {-5.0, -5.0, 5.0, 5.0}, int cells = 160);

  // Makes `target` the training target (a preset, an import or the initial one).
  void setTarget(std::shared_ptr<const core::Target> target, std::string label);
  // A built-in target by name; false when unknown.
  bool loadPreset(const std::string& name);
  // A PNG/JPG mapped onto the canvas box; returns "" or the error message (target unchanged).
  std::string importImage(const std::string& path, bool invert);

  // Brush strokes in world coordinates; `now` in seconds (any monotonic clock).
  void beginStroke(double x, double y, const BrushSettings& brush, double now);
  void strokeTo(double x, double y, const BrushSettings& brush, double now);
  void endStroke(double now);
  bool painting() const { return painting_; }
  // Empties the canvas; the trainer keeps the current target until something is painted.
  void clearCanvas();

  const std::shared_ptr<const core::Target>& target() const { return target_; }
  const std::string& label() const { return label_; }
  const PaintCanvas& canvas() const { return canvas_; }
  long submissions() const { return submissions_; }
  double pushInterval = 0.1;  // seconds between submissions during a stroke

 private:
  void push(double now, bool force);

  Submit submit_;
  PaintCanvas canvas_;
  std::shared_ptr<const core::Target> target_;
  std::string label_;
  bool canvasHoldsTarget_ = false;  // the canvas was loaded from (or is) the current target
  bool painting_ = false;
  double lastX_ = 0.0, lastY_ = 0.0, lastPush_ = -1e9;
  std::uint64_t pushedRevision_ = 0;
  long submissions_ = 0;
};

}  // namespace flowlab::app
