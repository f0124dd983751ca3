// The canvas's layers by name (--show).
#include "core/render/view_settings.hpp"

#include <algorithm>
#include <cstring>

namespace flowlab::core {

const std::vector<LayerName>& layerNames() {
  static const std::vector<LayerName> names{
      {"particles", [](ViewSettings& v) { v.particles = true; }},
      {"paths", [](ViewSettings& v) { v.paths = true; }},
      {"field", [](ViewSettings& v) { v.field = v.arrows = true; }},
      {"streamlines", [](ViewSettings& v) { v.field = v.streamlines = true; }},
      {"density", [](ViewSettings& v) { v.density = true; }},
      {"divergence", [](ViewSettings& v) { v.divergence = true; }},
      {"grid", [](ViewSettings& v) { v.warpedGrid = true; }},
      {"target", [](ViewSettings& v) { v.targetSamples = true; }},
      {"target-density", [](ViewSettings& v) { v.targetDensity = true; }},
      {"none", [](ViewSettings&) {}},
  };
  return names;
}

bool showOnly(const std::vector<std::string>& names, ViewSettings& view) {
  ViewSettings v = view;
  v.particles = v.paths = v.field = v.arrows = v.streamlines = false;
  v.density = v.divergence = v.warpedGrid = v.targetSamples = v.targetDensity = false;
  for (const std::string& name : names) {
    const auto& all = layerNames();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const LayerName& l) { return name == l.name; });
    if (it == all.end()) return false;
    it->show(v);
  }
  view = v;
  return true;
}

}  // namespace flowlab::core
