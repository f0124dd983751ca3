// Target edits: presets, import and brush strokes, throttled into Trainer::setTarget calls.
#include "app/target/target_editor.hpp"

#include <chrono>
#include <exception>

#include "core/io/points_file.hpp"

namespace flowlab::app {

TargetEditor::TargetEditor(Submit submit, core::Box box, int cells)
    : submit_(std::move(submit)), density_(cells, cells, box) {}

TargetEditor::~TargetEditor() = default;  // jthreads join

void TargetEditor::setTarget(std::shared_ptr<const core::Target> target, std::string label) {
  if (!target) return;
  target_ = std::move(target);
  label_ = std::move(label);
  densityHoldsTarget_ = false;
  queue_.clear();
  // Rasterise the new target off the UI thread (a copy of the pointer and the canvas geometry).
  std::packaged_task<std::vector<float>()> task(
      [t = target_, w = density_.width(), h = density_.height(), box = density_.box()] {
        PaintedDensity canvas(w, h, box);
        canvas.loadFromTarget(*t);
        return canvas.weights();
      });
  raster_ = task.get_future();
  if (helpers_.size() >= 4) helpers_.erase(helpers_.begin());  // long finished: joins at once
  helpers_.emplace_back(std::move(task));
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
    const auto slash = path.find_last_of('/');
    const std::string file = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (core::isPointsPath(path)) {
      setTarget(core::loadPointsTarget(path), "points " + file);
      return {};
    }
    setTarget(core::ImageTarget::fromFile(path, density_.box(), invert), "image " + file);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

bool TargetEditor::takeRaster() {
  if (densityHoldsTarget_) return true;
  if (!raster_.valid() || raster_.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return false;
  density_.setWeights(raster_.get());
  densityHoldsTarget_ = true;
  pushedRevision_ = density_.revision();
  for (const Dab& dab : queue_) apply(dab);
  queue_.clear();
  return true;
}

void TargetEditor::apply(const Dab& dab) {
  if (dab.first)
    density_.stamp(dab.x1, dab.y1, dab.brush);
  else
    density_.strokeTo(dab.x0, dab.y0, dab.x1, dab.y1, dab.brush);
}

void TargetEditor::beginStroke(double x, double y, const BrushSettings& brush, double now) {
  painting_ = true;
  strokeEnded_ = false;
  lastX_ = x;
  lastY_ = y;
  const Dab dab{x, y, x, y, brush, true};
  if (takeRaster())
    apply(dab);
  else
    queue_.push_back(dab);
  push(now, false);
}

void TargetEditor::strokeTo(double x, double y, const BrushSettings& brush, double now) {
  if (!painting_) return beginStroke(x, y, brush, now);
  const Dab dab{lastX_, lastY_, x, y, brush, false};
  lastX_ = x;
  lastY_ = y;
  if (takeRaster())
    apply(dab);
  else
    queue_.push_back(dab);
  push(now, false);
}

void TargetEditor::endStroke(double now) {
  if (!painting_) return;
  painting_ = false;
  strokeEnded_ = true;
  poll(now);
}

void TargetEditor::poll(double now) {
  if (!takeRaster()) return;
  push(now, strokeEnded_);
  if (density_.revision() == pushedRevision_) strokeEnded_ = false;
}

void TargetEditor::clearPainting() {
  takeRaster();
  density_.clear();
  densityHoldsTarget_ = true;
  queue_.clear();
  pushedRevision_ = density_.revision();
}

void TargetEditor::push(double now, bool force) {
  if (!densityHoldsTarget_ || density_.revision() == pushedRevision_) return;
  if (!force && now - lastPush_ < pushInterval) return;
  auto target = density_.makeTarget("painted");
  if (!target) return;  // an empty canvas cannot be a density: keep the current target
  target_ = target;
  label_ = "painted";
  pushedRevision_ = density_.revision();
  lastPush_ = now;
  ++submissions_;
  if (submit_) submit_(target_);
}

}  // namespace flowlab::app
