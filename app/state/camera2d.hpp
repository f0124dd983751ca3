// The canvas camera: a 2-D view of the world (pan, zoom about a point, fit a box) mapped onto a
// viewport of pixels. GL-free maths; the renderer takes its clip transform from here.
// Screen pixels have y pointing down (ImGui/GLFW); world y points up.
#pragma once

#include <array>

#include "core/base/types.hpp"

namespace flowlab::app {

struct Vec2 {
  double x = 0.0, y = 0.0;
};

class Camera2d {
 public:
  // The viewport: top-left corner and size in screen pixels (size ≥ 1).
  void setViewport(double left, double top, double width, double height);
  double viewportLeft() const { return left_; }
  double viewportTop() const { return top_; }
  double viewportWidth() const { return width_; }
  double viewportHeight() const { return height_; }

  // Shows all of `box` (centred, aspect kept) with a margin fraction on each side.
  void fit(const core::Box& box, double margin = 0.05);
  // Moves the view by a screen-pixel delta (a drag: the world follows the cursor).
  void panPixels(double dx, double dy);
  // Multiplies the zoom by `factor` keeping the world point under screen point (sx, sy) fixed.
  void zoomAt(double sx, double sy, double factor);

  Vec2 worldToScreen(Vec2 world) const;
  Vec2 screenToWorld(Vec2 screen) const;
  double pixelsPerUnit() const { return scale_; }
  Vec2 center() const { return center_; }
  // Looks at `center` with `pixelsPerUnit` (clamped to [kMinScale, kMaxScale]).
  void setView(Vec2 center, double pixelsPerUnit);
  // The world rectangle the viewport shows.
  core::Box visibleBox() const;
  bool containsScreen(double sx, double sy) const;

  // Clip transform for shaders: clip = world · (s.x, s.y) + (s.z, s.w), as u_view.
  std::array<float, 4> clipTransform() const;

  static constexpr double kMinScale = 1.0, kMaxScale = 1e5;  // pixels per world unit

 private:
  double left_ = 0.0, top_ = 0.0, width_ = 1.0, height_ = 1.0;
  Vec2 center_{};
  double scale_ = 100.0;
};

}  // namespace flowlab::app
