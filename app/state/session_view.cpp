// The on-screen settings as JSON (see session_view.hpp).
#include "app/state/session_view.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace flowlab::app {
namespace {

using nlohmann::json;

// Every setting once, as a (JSON name, field) pair: writing and reading walk the same list, so
// the two cannot disagree. Numbers carry their valid range.
template <class Visit>
void visitSettings(UiState& ui, Visit&& v) {
  core::ViewSettings& s = ui.view;
  v("particles", s.particles);
  v("particle_count", s.particleCount, 1, 200000);
  v("point_size", s.pointSize, 0.5, 20.0);
  v("particle_alpha", s.particleAlpha, 0.0, 1.0);
  v("paths", s.paths);
  v("path_count", s.pathCount, 1, 5000);
  v("trail", s.trail, 0.0, 1.0);
  v("path_alpha", s.pathAlpha, 0.0, 1.0);
  v("field", s.field);
  v("arrows", s.arrows);
  v("field_arrows", s.fieldArrows, 4, 200);
  v("arrow_alpha", s.arrowAlpha, 0.0, 1.0);
  v("streamlines", s.streamlines);
  v("streamline_seeds", s.streamlineSeeds, 1, 100);
  v("streamline_alpha", s.streamlineAlpha, 0.0, 1.0);
  v("density", s.density);
  v("heatmap_size", s.heatmapSize, 8, 1024);
  v("density_opacity", s.densityOpacity, 0.0, 1.0);
  v("density_range", s.densityRange, 0.1, 100.0);
  v("divergence", s.divergence);
  v("divergence_opacity", s.divergenceOpacity, 0.0, 1.0);
  v("warped_grid", s.warpedGrid);
  v("grid_lines", s.gridLines, 2, 200);
  v("grid_alpha", s.gridAlpha, 0.0, 1.0);
  v("target_samples", s.targetSamples);
  v("target_sample_count", s.targetSampleCount, 1, 200000);
  v("target_alpha", s.targetAlpha, 0.0, 1.0);
  v("target_density", s.targetDensity);
  v("target_density_opacity", s.targetDensityOpacity, 0.0, 1.0);
  v("knots", s.knots, 1, 256);
  v("t", ui.timeline.t, 0.0, 1.0);
  v("playing", ui.timeline.playing);
  v("speed", ui.timeline.speed, 0.01, 10.0);
  v("loop", ui.timeline.loop);
  v("compare", ui.compare);
  v("compare_methods", ui.compareMethods);
  v("compare_couplings", ui.compareCouplings);
  v("compare_crossings", ui.compareCrossings);
  v("loss_smoothing", ui.lossSmoothing, 0.0, 0.999);
  v("brush_radius", ui.brush.radius, 0.01, 10.0);
  v("brush_strength", ui.brush.strength, 0.0, 1.0);
  v("brush_softness", ui.brush.softness, 0.0, 1.0);
}

// Writes each setting into a JSON object.
struct Writer {
  json& out;
  void operator()(const char* key, bool value) { out[key] = value; }
  template <class T>
  void operator()(const char* key, T value, double, double) {
    out[key] = value;
  }
};

// Reads each setting present in `in`, checking its type and range; `apply` false only checks.
struct Reader {
  const json& in;
  bool apply;
  void operator()(const char* key, bool& value) {
    if (!in.contains(key)) return;
    if (!in[key].is_boolean())
      throw std::runtime_error(std::string("view setting \"") + key + "\" must be true or false");
    if (apply) value = in[key].get<bool>();
  }
  template <class T>
  void operator()(const char* key, T& value, double lo, double hi) {
    if (!in.contains(key)) return;
    const json& v = in[key];
    const bool integral = std::is_integral_v<T>;
    if (!v.is_number() || (integral && !v.is_number_integer()) || !std::isfinite(v.get<double>()) ||
        v.get<double>() < lo || v.get<double>() > hi)
      throw std::runtime_error(std::string("view setting \"") + key + "\" must be a" +
                               (integral ? "n integer" : " number") + " in [" + json(lo).dump() +
                               ", " + json(hi).dump() + "], got " + v.dump());
    if (apply) value = static_cast<T>(v.get<double>());
  }
};

}  // namespace

std::string sessionViewJson(const UiState& ui) {
  json out = json::object();
  UiState copy = ui;
  visitSettings(copy, Writer{out});
  out["colour_by_density"] = ui.view.colouring == core::ParticleColouring::ByLogDensity;
  out["direction"] =
      ui.timeline.direction == core::FlowDirection::Generate ? "generate" : "normalize";
  out["camera"] = {{"x", ui.camera.center().x},
                   {"y", ui.camera.center().y},
                   {"pixels_per_unit", ui.camera.pixelsPerUnit()}};
  return out.dump();
}

void applySessionView(const std::string& text, UiState& ui) {
  json in;
  try {
    in = json::parse(text);
  } catch (const json::exception&) {
    throw std::runtime_error("the view settings are not JSON");
  }
  if (!in.is_object()) throw std::runtime_error("the view settings are not an object");
  visitSettings(ui, Reader{in, false});  // everything checked before anything changes
  core::FlowDirection direction = ui.timeline.direction;
  if (in.contains("direction")) {
    const json& d = in["direction"];
    if (d != "generate" && d != "normalize")
      throw std::runtime_error("view setting \"direction\" must be \"generate\" or \"normalize\"");
    direction = d == "generate" ? core::FlowDirection::Generate : core::FlowDirection::Normalize;
  }
  double cx = 0, cy = 0, scale = 0;
  const bool camera = in.contains("camera");
  if (camera) {
    const json& c = in["camera"];
    const auto number = [&](const char* key, double lo, double hi) {
      if (!c.is_object() || !c.contains(key) || !c[key].is_number() ||
          !std::isfinite(c[key].get<double>()) || c[key].get<double>() < lo ||
          c[key].get<double>() > hi)
        throw std::runtime_error(std::string("view setting \"camera\" needs a number \"") + key +
                                 "\" in range");
      return c[key].get<double>();
    };
    cx = number("x", -core::kMaxCoordinate, core::kMaxCoordinate);
    cy = number("y", -core::kMaxCoordinate, core::kMaxCoordinate);
    scale = number("pixels_per_unit", Camera2d::kMinScale, Camera2d::kMaxScale);
  }
  if (in.contains("colour_by_density") && !in["colour_by_density"].is_boolean())
    throw std::runtime_error("view setting \"colour_by_density\" must be true or false");
  visitSettings(ui, Reader{in, true});
  ui.timeline.setDirection(direction);
  if (in.contains("colour_by_density"))
    ui.view.colouring = in["colour_by_density"].get<bool>() ? core::ParticleColouring::ByLogDensity
                                                            : core::ParticleColouring::ByStart;
  if (camera) {
    ui.camera.setView({cx, cy}, scale);
    ui.fitPending = false;
  }
}

}  // namespace flowlab::app
