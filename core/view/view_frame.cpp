// Equality of requests, completeness of frames, robust colour ranges.
#include "core/view/view_frame.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::core {

bool ViewRequest::operator==(const ViewRequest& o) const {
  return t == o.t && direction == o.direction && seed == o.seed && particles == o.particles &&
         particleCount == o.particleCount && particleLogDensity == o.particleLogDensity &&
         paths == o.paths && pathCount == o.pathCount && knots == o.knots && field == o.field &&
         fieldCols == o.fieldCols && fieldRows == o.fieldRows && sameBox(fieldBox, o.fieldBox) &&
         streamlines == o.streamlines && streamlineSeeds == o.streamlineSeeds &&
         density == o.density && divergence == o.divergence && heatmapWidth == o.heatmapWidth &&
         heatmapHeight == o.heatmapHeight && sameBox(heatmapBox, o.heatmapBox) &&
         densitySteps == o.densitySteps && warpedGrid == o.warpedGrid && gridLines == o.gridLines &&
         gridPointsPerLine == o.gridPointsPerLine && sameBox(gridBox, o.gridBox) &&
         targetSamples == o.targetSamples && targetSampleCount == o.targetSampleCount &&
         targetDensity == o.targetDensity && lab == o.lab && compare == o.compare;
}

bool ViewFrame::hasAllLayers() const {
  const ViewRequest& r = request;
  if (!snapshot) return false;
  if ((r.particles || r.paths) && !particles) return false;
  if (r.warpedGrid && !grid) return false;
  if (continuous && r.field && !field) return false;
  if (continuous && r.streamlines && !streamlines) return false;
  if (r.density && !density) return false;
  if (continuous && r.divergence && !divergence) return false;
  if (r.targetSamples && !targetSamples) return false;
  if (r.targetDensity && !targetDensity) return false;
  if (continuous && r.lab.on && !(lab && lab->request == r.lab)) return false;
  return true;
}

std::pair<float, float> finiteQuantileRange(const std::vector<float>& values, double lo,
                                            double hi) {
  std::vector<float> v;
  v.reserve(values.size());
  for (float x : values)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return {0.0f, 0.0f};
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * (v.size() - 1));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
  };
  const float a = at(lo), b = at(hi);
  return {a, std::max(b, a)};
}

}  // namespace flowlab::core
