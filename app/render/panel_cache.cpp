// Change detection by hashing each cached draw list's vertices, indices and commands; ImGui
// rebuilds a window's list from scratch every frame, so an unchanged window gives equal bytes.
#include "app/render/panel_cache.hpp"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string_view>

namespace flowlab::app::render {

namespace {

std::size_t hashBytes(const void* data, std::size_t bytes) {
  return std::hash<std::string_view>{}(std::string_view(static_cast<const char*>(data), bytes));
}

void mix(std::size_t& seed, std::size_t value) {
  seed ^= value + 0x9e3779b97f4a7c15ull + (seed << 6) + (seed >> 2);
}

std::size_t hashList(const ImDrawList& list) {
  std::size_t h = hashBytes(list.VtxBuffer.Data, sizeof(ImDrawVert) * list.VtxBuffer.Size);
  mix(h, hashBytes(list.IdxBuffer.Data, sizeof(ImDrawIdx) * list.IdxBuffer.Size));
  for (const ImDrawCmd& c : list.CmdBuffer) {
    mix(h, hashBytes(&c.ClipRect, sizeof c.ClipRect));
    mix(h, reinterpret_cast<std::size_t>(c.TextureId));
    mix(h, (static_cast<std::size_t>(c.VtxOffset) << 32) ^ c.IdxOffset);
    mix(h, c.ElemCount);
    mix(h, reinterpret_cast<std::size_t>(c.UserCallback));
  }
  return h;
}

// The pixels a list may touch: the union over its commands of the command's clip rectangle
// cut down to the bounding box of the command's vertices (a window's outer clip rectangle may be
// the whole display), in framebuffer pixels with the origin at the bottom left.
PixelRect regionOf(const ImDrawList& list, const ImDrawData& data, int fbHeight) {
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (const ImDrawCmd& c : list.CmdBuffer) {
    if (c.ElemCount == 0 || c.UserCallback) continue;
    float vx0 = 1e30f, vy0 = 1e30f, vx1 = -1e30f, vy1 = -1e30f;
    for (unsigned k = 0; k < c.ElemCount; ++k) {
      const ImVec2 p =
          list.VtxBuffer[static_cast<int>(c.VtxOffset +
                                          list.IdxBuffer[static_cast<int>(c.IdxOffset + k)])]
              .pos;
      vx0 = std::min(vx0, p.x);
      vy0 = std::min(vy0, p.y);
      vx1 = std::max(vx1, p.x);
      vy1 = std::max(vy1, p.y);
    }
    vx0 = std::max(vx0, c.ClipRect.x);
    vy0 = std::max(vy0, c.ClipRect.y);
    vx1 = std::min(vx1, c.ClipRect.z);
    vy1 = std::min(vy1, c.ClipRect.w);
    if (vx1 <= vx0 || vy1 <= vy0) continue;
    x0 = std::min(x0, vx0);
    y0 = std::min(y0, vy0);
    x1 = std::max(x1, vx1);
    y1 = std::max(y1, vy1);
  }
  if (x1 <= x0 || y1 <= y0) return {};
  const ImVec2 o = data.DisplayPos, s = data.FramebufferScale;
  PixelRect r;
  r.x0 = static_cast<int>(std::floor((x0 - o.x) * s.x));
  r.x1 = static_cast<int>(std::ceil((x1 - o.x) * s.x));
  r.y0 = fbHeight - static_cast<int>(std::ceil((y1 - o.y) * s.y));
  r.y1 = fbHeight - static_cast<int>(std::floor((y0 - o.y) * s.y));
  return r;
}

void clearRect(const PixelRect& r) {
  glScissor(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
  glClear(GL_COLOR_BUFFER_BIT);
}

void blit(const PixelRect& r) {
  if (r.empty()) return;
  glBlitFramebuffer(r.x0, r.y0, r.x1, r.y1, r.x0, r.y0, r.x1, r.y1, GL_COLOR_BUFFER_BIT,
                    GL_NEAREST);
}

// Renders `lists` (a subset of data's, in its order) with ImGui's OpenGL backend.
void render(const ImDrawData& data, std::vector<ImDrawList*>& lists) {
  if (lists.empty()) return;
  ImDrawData subset = data;
  subset.CmdLists = lists.data();
  subset.CmdListsCount = static_cast<int>(lists.size());
  subset.TotalVtxCount = subset.TotalIdxCount = 0;
  for (const ImDrawList* l : lists) {
    subset.TotalVtxCount += l->VtxBuffer.Size;
    subset.TotalIdxCount += l->IdxBuffer.Size;
  }
  ImGui_ImplOpenGL3_RenderDrawData(&subset);
}

}  // namespace

bool PixelRect::intersects(const PixelRect& o) const {
  return !empty() && !o.empty() && x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1;
}

PanelCache::PanelCache(std::vector<std::string> owners) {
  for (std::string& o : owners) {
    Entry e;
    e.owner = std::move(o);
    entries_.push_back(std::move(e));
  }
  glGenFramebuffers(1, &framebuffer_);
  glGenRenderbuffers(1, &colour_);
}

PanelCache::~PanelCache() {
  glDeleteRenderbuffers(1, &colour_);
  glDeleteFramebuffers(1, &framebuffer_);
}

bool PanelCache::cached(const ImDrawList& list) const {
  // _OwnerName is the name of the window the list belongs to (ImGui 1.86 keeps it on the list).
  if (!list._OwnerName) return false;
  for (const Entry& e : entries_)
    if (e.owner == list._OwnerName) return true;
  return false;
}

void PanelCache::resize(int width, int height, const float background[3]) {
  glBindRenderbuffer(GL_RENDERBUFFER, colour_);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindRenderbuffer(GL_RENDERBUFFER, 0);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, colour_);
  glDisable(GL_SCISSOR_TEST);
  glClearColor(background[0], background[1], background[2], 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  width_ = width;
  height_ = height;
  for (Entry& e : entries_) e.valid = false;
}

void PanelCache::drawPanels(ImDrawData& data, int fbWidth, int fbHeight, const PixelRect& canvas,
                            const float background[3]) {
  rerendered_ = 0;
  if (fbWidth <= 0 || fbHeight <= 0) return;
  if (fbWidth != width_ || fbHeight != height_) resize(fbWidth, fbHeight, background);

  // Which cached lists changed (content or place) since they were rendered offscreen.
  struct Change {
    ImDrawList* list;
    Entry* entry;
    std::size_t hash;
    PixelRect region;
    bool dirty;
  };
  std::vector<Change> changes;
  for (int i = 0; i < data.CmdListsCount; ++i) {
    ImDrawList* list = data.CmdLists[i];
    if (!cached(*list)) continue;
    Entry* e = &*std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& x) { return x.owner == list->_OwnerName; });
    const std::size_t h = hashList(*list);
    const PixelRect r = regionOf(*list, data, fbHeight);
    changes.push_back({list, e, h, r, !e->valid || e->hash != h || !(e->region == r)});
  }
  // A window that vanished leaves its old region to clear.
  std::vector<PixelRect> stale;
  for (Entry& e : entries_) {
    const bool present =
        std::any_of(changes.begin(), changes.end(), [&](const Change& c) { return c.entry == &e; });
    if (!present && e.valid) {
      stale.push_back(e.region);
      e.valid = false;
    }
  }
  // Clearing a region erases whatever overlaps it: redraw those lists too.
  for (bool grew = true; grew;) {
    grew = false;
    for (Change& c : changes) {
      if (c.dirty) continue;
      for (const Change& d : changes)
        if (d.dirty && (c.region.intersects(d.region) || c.region.intersects(d.entry->region)))
          c.dirty = grew = true;
      for (const PixelRect& s : stale)
        if (c.region.intersects(s)) c.dirty = grew = true;
    }
  }

  lists_.clear();
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glEnable(GL_SCISSOR_TEST);
  glClearColor(background[0], background[1], background[2], 1.0f);
  for (const PixelRect& s : stale) clearRect(s);
  for (Change& c : changes) {
    if (!c.dirty) continue;
    if (c.entry->valid) clearRect(c.entry->region);
    clearRect(c.region);
    lists_.push_back(c.list);
    c.entry->hash = c.hash;
    c.entry->region = c.region;
    c.entry->valid = true;
  }
  glDisable(GL_SCISSOR_TEST);
  render(data, lists_);
  rerendered_ = static_cast<int>(lists_.size());

  // Everything around the canvas, from the offscreen copy (blits ignore blending, not scissors).
  glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer_);
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
  glDisable(GL_SCISSOR_TEST);
  const int cx0 = std::clamp(canvas.x0, 0, fbWidth), cx1 = std::clamp(canvas.x1, cx0, fbWidth);
  const int cy0 = std::clamp(canvas.y0, 0, fbHeight), cy1 = std::clamp(canvas.y1, cy0, fbHeight);
  blit({0, 0, cx0, fbHeight});
  blit({cx1, 0, fbWidth, fbHeight});
  blit({cx0, 0, cx1, cy0});
  blit({cx0, cy1, cx1, fbHeight});
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

void PanelCache::drawRest(ImDrawData& data) {
  lists_.clear();
  for (int i = 0; i < data.CmdListsCount; ++i)
    if (!cached(*data.CmdLists[i])) lists_.push_back(data.CmdLists[i]);
  render(data, lists_);
}

}  // namespace flowlab::app::render
