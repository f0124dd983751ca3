// The canvas quad: the image's pixels map one to one onto the viewport's when the camera has not
// moved since it was painted, so nearest sampling reproduces them exactly.
#include "app/render/image_layer.hpp"

namespace flowlab::app::render {

ImageLayer::ImageLayer() { program_.build("image.vert", "image.frag"); }

void ImageLayer::set(const core::RasterImage& image) {
  if (image.width <= 0 || image.height <= 0) {
    has_ = false;
    return;
  }
  texture_.uploadRgba8(image.width, image.height,
                       reinterpret_cast<const unsigned char*>(image.pixels.data()));
  box_ = image.box;
  has_ = true;
}

void ImageLayer::draw(const std::array<float, 4>& view) {
  if (!has_) return;
  program_.use();
  program_.set("u_view", view);
  program_.set("u_box",
               std::array<float, 4>{static_cast<float>(box_.x0), static_cast<float>(box_.y0),
                                    static_cast<float>(box_.x1), static_cast<float>(box_.y1)});
  program_.set("u_image", 0);
  texture_.bind(0);
  glDisable(GL_BLEND);
  vao_.bind();
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
}

}  // namespace flowlab::app::render
