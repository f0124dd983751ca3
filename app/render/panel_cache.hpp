// The fixed ImGui panels (control column, charts, timeline, status bar) kept in an offscreen
// framebuffer and re-rendered only when their draw lists change; every frame they are copied
// to the window around the canvas. UI thread only.
//
// Why: software GL (llvmpipe) pays about 1 µs per triangle, and these panels are most of the
// ~5,000 triangles ImGui submits a frame, while from one frame to the next they rarely change
// (the control column only when the user touches it). Copying their rectangles is cheaper than
// clearing the window and drawing them again.
#pragma once

#include <epoxy/gl.h>

#include <cstddef>
#include <string>
#include <vector>

struct ImDrawData;
struct ImDrawList;

namespace flowlab::app::render {

// A rectangle of framebuffer pixels, origin at the bottom left (GL's), [x0, x1) × [y0, y1).
struct PixelRect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  bool intersects(const PixelRect& o) const;
  bool operator==(const PixelRect& o) const = default;
};

class PanelCache {
 public:
  // owners: the names of the windows to cache (ImGui::Begin's names).
  explicit PanelCache(std::vector<std::string> owners);
  ~PanelCache();
  PanelCache(const PanelCache&) = delete;
  PanelCache& operator=(const PanelCache&) = delete;

  // After ImGui::Render(): re-renders the cached windows whose draw lists changed into the
  // offscreen framebuffer and copies everything outside `canvas` from it into the window's
  // framebuffer (which therefore needs no clear there). fbWidth × fbHeight: the window's
  // framebuffer; where no cached window draws, the copy shows `background` (RGB in [0, 1]).
  void drawPanels(ImDrawData& data, int fbWidth, int fbHeight, const PixelRect& canvas,
                  const float background[3]);
  // Then, after the canvas: every draw list that is not cached, in ImGui's order.
  void drawRest(ImDrawData& data);

  // Draw lists re-rendered in the offscreen framebuffer during the last drawPanels (for tests
  // and the perf overlay).
  int rerendered() const { return rerendered_; }

 private:
  struct Entry {
    std::string owner;
    std::size_t hash = 0;
    PixelRect region;
    bool valid = false;
  };
  bool cached(const ImDrawList& list) const;
  void resize(int width, int height, const float background[3]);

  std::vector<Entry> entries_;
  GLuint framebuffer_ = 0, colour_ = 0;
  int width_ = 0, height_ = 0;
  int rerendered_ = 0;
  std::vector<ImDrawList*> lists_;  // scratch: the subset handed to the ImGui backend
};

}  // namespace flowlab::app::render
