// Window, GL context and ImGui set-up, after ImGui's example_glfw_opengl3.
#include "app/window.hpp"

#define GLFW_INCLUDE_NONE  // GL comes from libepoxy
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <dlfcn.h>
#include <epoxy/gl.h>
#include <imgui.h>
#include <link.h>

#include <string>
#include <utility>
#include <vector>

namespace flowlab::app {

namespace {

std::string& lastGlfwError() {
  static std::string error;
  return error;
}

void onGlfwError(int, const char* description) { lastGlfwError() = description ? description : ""; }

void applyStyle() {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 0.0f;
  style.FrameRounding = 3.0f;
  style.GrabRounding = 3.0f;
  style.WindowBorderSize = 0.0f;
  style.ItemSpacing = ImVec2(6.0f, 5.0f);
  style.Colors[ImGuiCol_WindowBg] = ImVec4(0.105f, 0.11f, 0.13f, 1.0f);
  style.Colors[ImGuiCol_ChildBg] = ImVec4(0.105f, 0.11f, 0.13f, 1.0f);
  style.Colors[ImGuiCol_Header] = ImVec4(0.20f, 0.25f, 0.33f, 1.0f);
  style.Colors[ImGuiCol_HeaderHovered] = ImVec4(0.26f, 0.33f, 0.44f, 1.0f);
}

#if defined(__SANITIZE_ADDRESS__)
#define FLOWLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOWLAB_ASAN 1
#endif
#endif

// Under AddressSanitizer only: keeps every library loaded so far (the OpenGL driver among them)
// mapped after glfwTerminate() unloads it. The driver keeps a few allocations for the life of the
// process; LeakSanitizer looks at exit, and can then name the driver's library, which the
// sanitizer preset's suppressions (tests/sanitizers/lsan.supp) name, instead of an unloaded
// "<unknown module>" nothing can suppress. flowlab's own leaks are still reported.
void keepDriverMappedForLeakSanitizer() {
#ifdef FLOWLAB_ASAN
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        if (info->dlpi_name && info->dlpi_name[0])
          static_cast<std::vector<std::string>*>(out)->emplace_back(info->dlpi_name);
        return 0;
      },
      &names);
  for (const std::string& name : names)  // outside dl_iterate_phdr, which holds the loader lock
    dlopen(name.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}

}  // namespace

std::unique_ptr<Window> Window::open(int width, int height, const std::string& title, bool vsync,
                                     std::string& error) {
  glfwSetErrorCallback(onGlfwError);
  if (!glfwInit()) {
    error = "no display available (" + lastGlfwError() + ")";
    return nullptr;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  GLFWwindow* window = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (!window) {
    error = "cannot open an OpenGL 3.3 window (" + lastGlfwError() + ")";
    glfwTerminate();
    return nullptr;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(vsync ? 1 : 0);
  keepDriverMappedForLeakSanitizer();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini next to wherever flowlab was started
  applyStyle();
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  std::unique_ptr<Window> w(new Window());
  w->window_ = window;
  // ImGui's GLFW backend keeps its state elsewhere; the user pointer is ours.
  glfwSetWindowUserPointer(window, w.get());
  glfwSetDropCallback(window, [](GLFWwindow* from, int count, const char** paths) {
    auto* self = static_cast<Window*>(glfwGetWindowUserPointer(from));
    for (int i = 0; self && i < count; ++i) self->dropped_.emplace_back(paths[i]);
  });
  return w;
}

std::vector<std::string> Window::takeDroppedPaths() { return std::exchange(dropped_, {}); }

Window::~Window() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::shouldClose() const { return glfwWindowShouldClose(window_); }
void Window::requestClose() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }
void Window::setTitle(const std::string& title) { glfwSetWindowTitle(window_, title.c_str()); }

void Window::beginFrame() {
  glfwPollEvents();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

ImDrawData* Window::endImGuiFrame() {
  ImGui::Render();
  return ImGui::GetDrawData();
}

void Window::present() { glfwSwapBuffers(window_); }

int Window::framebufferWidth() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return w;
}

int Window::framebufferHeight() const {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  return h;
}

float Window::framebufferScaleX() const { return ImGui::GetIO().DisplayFramebufferScale.x; }
float Window::framebufferScaleY() const { return ImGui::GetIO().DisplayFramebufferScale.y; }

}  // namespace flowlab::app
