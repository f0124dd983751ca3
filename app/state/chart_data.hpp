// Preparing training curves for the small line charts: log scale when every value is positive,
// EMA smoothing (debiased, as TensorBoard does) and decimation to a pixel budget. GL-free.
#pragma once

#include <vector>

#include "core/training/snapshot.hpp"

namespace flowlab::app {

struct ChartSeries {
  std::vector<float> x, y;  // x: training step; y: value (log10 of it on a log chart)
};

struct ChartData {
  ChartSeries raw, smooth;
  bool logScale = false;  // y holds log10(value)
  float xMin = 0, xMax = 1, yMin = 0, yMax = 1;
  bool empty() const { return raw.x.empty(); }
};

// The loss curve: raw values decimated to ≤ maxPoints (each bucket keeps its min and max so the
// noise band survives) and the smoothed curve (EMA with weight `smoothing` in [0, 1)).
ChartData lossChart(const std::vector<core::LossSample>& loss, int maxPoints, double smoothing);

// A metric over training steps (NaN values skipped). logScale is used only when every finite
// value is positive.
ChartData metricChart(const std::vector<double>& steps, const std::vector<double>& values,
                      bool logScale);

// Debiased exponential moving average of `values` with weight `smoothing`.
std::vector<float> emaSmooth(const std::vector<float>& values, double smoothing);

}  // namespace flowlab::app
