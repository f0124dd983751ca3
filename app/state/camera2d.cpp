// Camera maths for the canvas (GL-free).
#include "app/state/camera2d.hpp"

#include <algorithm>

namespace flowlab::app {

void Camera2d::setViewport(double left, double top, double width, double height) {
  left_ = left;
  top_ = top;
  width_ = std::max(width, 1.0);
  height_ = std::max(height, 1.0);
}

void Camera2d::fit(const core::Box& box, double margin) {
  if (!box.valid()) return;
  center_ = {0.5 * (box.x0 + box.x1), 0.5 * (box.y0 + box.y1)};
  const double span = 1.0 + 2.0 * margin;
  scale_ = std::clamp(std::min(width_ / (box.width() * span), height_ / (box.height() * span)),
                      kMinScale, kMaxScale);
}

void Camera2d::setView(Vec2 center, double pixelsPerUnit) {
  center_ = center;
  scale_ = std::clamp(pixelsPerUnit, kMinScale, kMaxScale);
}

void Camera2d::panPixels(double dx, double dy) {
  center_.x -= dx / scale_;
  center_.y += dy / scale_;
}

void Camera2d::zoomAt(double sx, double sy, double factor) {
  const Vec2 before = screenToWorld({sx, sy});
  scale_ = std::clamp(scale_ * factor, kMinScale, kMaxScale);
  const Vec2 after = screenToWorld({sx, sy});
  center_.x += before.x - after.x;
  center_.y += before.y - after.y;
}

Vec2 Camera2d::worldToScreen(Vec2 w) const {
  return {left_ + 0.5 * width_ + (w.x - center_.x) * scale_,
          top_ + 0.5 * height_ - (w.y - center_.y) * scale_};
}

Vec2 Camera2d::screenToWorld(Vec2 s) const {
  return {center_.x + (s.x - left_ - 0.5 * width_) / scale_,
          center_.y - (s.y - top_ - 0.5 * height_) / scale_};
}

core::Box Camera2d::visibleBox() const {
  const double hw = 0.5 * width_ / scale_, hh = 0.5 * height_ / scale_;
  return {center_.x - hw, center_.y - hh, center_.x + hw, center_.y + hh};
}

bool Camera2d::containsScreen(double sx, double sy) const {
  return sx >= left_ && sx < left_ + width_ && sy >= top_ && sy < top_ + height_;
}

std::array<float, 4> Camera2d::clipTransform() const {
  // clip.x = (x − cx)·scale / (width/2); clip.y = (y − cy)·scale / (height/2).
  const double sx = 2.0 * scale_ / width_, sy = 2.0 * scale_ / height_;
  return {static_cast<float>(sx), static_cast<float>(sy), static_cast<float>(-center_.x * sx),
          static_cast<float>(-center_.y * sy)};
}

}  // namespace flowlab::app
