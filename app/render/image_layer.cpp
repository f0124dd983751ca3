// The image quad reuses the heatmap shaders (a textured world-box quad with an opacity).
#include "app/render/image_layer.hpp"

namespace flowlab::app::render {

ImageLayer::ImageLayer() { program_.build("heatmap.vert", "heatmap.frag"); }

void ImageLayer::set(const RasterImage& image) {
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
  program_.set("u_opacity", 1.0f);
  program_.set("u_image", 0);
  texture_.bind(0);
  glBlendFunc(GL_ONE, GL_ONE_MINUS_SRC_ALPHA);  // premultiplied
  vao_.bind();
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
}

}  // namespace flowlab::app::render
