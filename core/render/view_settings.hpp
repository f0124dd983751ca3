// What the canvas shows and how: every layer's switch and style. A plain value: the app's layer
// panel edits it, the view request and the painter read it (copies cross threads).
#pragma once

#include <string>
#include <vector>

namespace flowlab::core {

enum class ParticleColouring { ByStart, ByLogDensity };

struct ViewSettings {
  bool particles = true;
  int particleCount = 20000;
  float pointSize = 2.5f;  // pixels
  float particleAlpha = 0.8f;
  ParticleColouring colouring = ParticleColouring::ByStart;

  bool paths = true;
  int pathCount = 250;
  float trail = 0.35f;  // flow time after which a path fades out
  float pathAlpha = 0.55f;

  bool field = true;  // the velocity-field layer: arrows and/or streamlines
  bool arrows = true;
  int fieldArrows = 28;  // arrows along the longer side of the canvas
  float arrowAlpha = 0.75f;
  bool streamlines = false;
  int streamlineSeeds = 8;  // seeds along the longer side (a jittered grid)
  float streamlineAlpha = 0.7f;

  bool density = true;    // the model's exact log p_t
  int heatmapSize = 128;  // cells along each side
  float densityOpacity = 0.8f;
  float densityRange = 6.0f;  // nats below the top of the colour ramp that stay visible

  bool divergence = false;
  float divergenceOpacity = 0.85f;

  bool warpedGrid = false;
  int gridLines = 17;
  float gridAlpha = 0.45f;

  bool targetSamples = true;
  int targetSampleCount = 3000;
  float targetAlpha = 0.5f;
  bool targetDensity = false;
  float targetDensityOpacity = 0.6f;

  int knots = 8;  // RK4 steps of the cached particle paths
};

// The layers by name, as --show takes them: each name and what it switches on. "none" switches
// everything off (for profiling).
struct LayerName {
  const char* name;
  void (*show)(ViewSettings&);
};
const std::vector<LayerName>& layerNames();
// Every layer off, then the named ones on. Returns false (changing nothing) for an unknown name.
bool showOnly(const std::vector<std::string>& names, ViewSettings& view);

}  // namespace flowlab::core
