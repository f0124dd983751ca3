// The GLFW window with an OpenGL 3.3 core context and Dear ImGui on top of it.
// UI thread only: create it, use it and destroy it on the thread that runs main().
#pragma once

#include <memory>
#include <string>
#include <vector>

struct GLFWwindow;
struct ImDrawData;

namespace flowlab::app {

class Window {
 public:
  // Opens the window, or returns null with `error` set to one line (e.g. no display).
  static std::unique_ptr<Window> open(int width, int height, const std::string& title, bool vsync,
                                      std::string& error);
  ~Window();  // shuts ImGui down, destroys the window, terminates GLFW
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  GLFWwindow* handle() const { return window_; }
  bool shouldClose() const;
  void requestClose();
  void setTitle(const std::string& title);

  // Polls events and starts an ImGui frame.
  void beginFrame();
  // Ends the ImGui frame and returns its draw data (valid until the next beginFrame), for the
  // caller to render (render::PanelCache).
  ImDrawData* endImGuiFrame();
  // Presents the frame.
  void present();
  // Paths dropped on the window since the last call (GLFW's drop callback), oldest first.
  std::vector<std::string> takeDroppedPaths();

  int framebufferWidth() const;
  int framebufferHeight() const;
  // Framebuffer pixels per screen (ImGui) pixel.
  float framebufferScaleX() const;
  float framebufferScaleY() const;

 private:
  Window() = default;
  GLFWwindow* window_ = nullptr;
  std::vector<std::string> dropped_;
};

}  // namespace flowlab::app
