// Folder target/: the target the user edits (presets, the painted density, imported images) and
// its hand-over to the trainer.
//
// Editing the training target while training runs: presets (built-in targets), image import and
// the brush. Every change goes to the trainer through `submit` (Trainer::setTarget, applied
// between steps, never resetting the model); during a stroke at most every `pushInterval`
// seconds, and once more when the stroke ends.
//
// Painting adds to the density being trained, so the painting starts from a raster of the current
// target. Rasterising can take ~0.1 s (quadrature targets), so it runs on a helper thread as
// soon as a target is set; dabs made before it arrives are queued and replayed. GL-free; UI
// thread only (the helper threads touch only their own copies).
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/target/painted_density.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::app {

class TargetEditor {
 public:
  using Submit = std::function<void(std::shared_ptr<const core::Target>)>;

  // The painting covers `box` with `cells` × `cells` cells.
  explicit TargetEditor(Submit submit, core::Box box = {-5.0, -5.0, 5.0, 5.0}, int cells = 160);
  ~TargetEditor();  // joins the rasterising threads

  // Makes `target` the training target (a preset, an import or the initial one).
  void setTarget(std::shared_ptr<const core::Target> target, std::string label);
  // A built-in target by name; false when unknown.
  bool loadPreset(const std::string& name);
  // A PNG/JPG mapped onto the painting's box, or points (.csv with header x,y, or an N×2 .npy)
  // as their kernel density estimate (Scott's bandwidth); returns "" or the error message (the
  // target unchanged).
  std::string importImage(const std::string& path, bool invert);

  // Brush strokes in world coordinates; `now` in seconds (any monotonic clock).
  void beginStroke(double x, double y, const BrushSettings& brush, double now);
  void strokeTo(double x, double y, const BrushSettings& brush, double now);
  void endStroke(double now);
  bool painting() const { return painting_; }
  // Empties the painting; the trainer keeps the current target until something is painted.
  void clearPainting();
  // Call once a frame: picks up a finished raster, replays queued dabs, submits when due.
  void poll(double now);
  // True while dabs wait for the raster of the current target.
  bool waitingForRaster() const { return !densityHoldsTarget_ && !queue_.empty(); }

  const std::shared_ptr<const core::Target>& target() const { return target_; }
  const std::string& label() const { return label_; }
  const PaintedDensity& density() const { return density_; }
  long submissions() const { return submissions_; }
  double pushInterval = 0.1;  // seconds between submissions during a stroke

 private:
  struct Dab {
    double x0, y0, x1, y1;
    BrushSettings brush;
    bool first;
  };
  void apply(const Dab& dab);
  bool takeRaster();  // true when the painting holds the current target
  void push(double now, bool force);

  Submit submit_;
  PaintedDensity density_;
  std::shared_ptr<const core::Target> target_;
  std::string label_;
  bool densityHoldsTarget_ = false;
  std::future<std::vector<float>> raster_;  // of target_, from a helper thread
  std::vector<std::jthread> helpers_;
  std::vector<Dab> queue_;  // dabs waiting for the raster
  bool painting_ = false;
  bool strokeEnded_ = false;
  double lastX_ = 0.0, lastY_ = 0.0, lastPush_ = -1e9;
  std::uint64_t pushedRevision_ = 0;
  long submissions_ = 0;
};

}  // namespace flowlab::app
