// Curves for the charts (GL-free).
#include "app/state/chart_data.hpp"

#include <algorithm>
#include <cmath>

namespace flowlab::app {

namespace {

void fitRange(ChartData& d) {
  if (d.raw.x.empty()) return;
  d.xMin = d.raw.x.front();
  d.xMax = std::max(d.raw.x.back(), d.xMin + 1.0f);
  const auto [lo, hi] = std::minmax_element(d.raw.y.begin(), d.raw.y.end());
  d.yMin = *lo;
  d.yMax = *hi;
  if (d.yMax - d.yMin < 1e-6f) {
    d.yMin -= 0.5f;
    d.yMax += 0.5f;
  }
  const float pad = 0.05f * (d.yMax - d.yMin);
  d.yMin -= pad;
  d.yMax += pad;
}

// Keeps the min and max of each bucket (in step order) so decimation does not hide spikes.
ChartSeries decimateMinMax(const std::vector<float>& x, const std::vector<float>& y,
                           int maxPoints) {
  ChartSeries out;
  const std::size_t n = x.size();
  const std::size_t buckets = std::max<std::size_t>(1, static_cast<std::size_t>(maxPoints) / 2);
  if (n <= static_cast<std::size_t>(maxPoints)) return {x, y};
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t i0 = b * n / buckets, i1 = (b + 1) * n / buckets;
    if (i0 >= i1) continue;
    std::size_t lo = i0, hi = i0;
    for (std::size_t i = i0; i < i1; ++i) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    for (std::size_t i : {std::min(lo, hi), std::max(lo, hi)}) {
      out.x.push_back(x[i]);
      out.y.push_back(y[i]);
    }
  }
  return out;
}

// Plain stride decimation (for an already smooth curve).
ChartSeries decimateStride(const std::vector<float>& x, const std::vector<float>& y,
                           int maxPoints) {
  if (x.size() <= static_cast<std::size_t>(maxPoints)) return {x, y};
  ChartSeries out;
  const double stride = static_cast<double>(x.size() - 1) / (maxPoints - 1);
  for (int k = 0; k < maxPoints; ++k) {
    const auto i = static_cast<std::size_t>(std::lround(k * stride));
    out.x.push_back(x[i]);
    out.y.push_back(y[i]);
  }
  return out;
}

}  // namespace

std::vector<float> emaSmooth(const std::vector<float>& values, double smoothing) {
  std::vector<float> out(values.size());
  double acc = 0.0, weight = 0.0;
  const double a = std::clamp(smoothing, 0.0, 0.9999);
  for (std::size_t i = 0; i < values.size(); ++i) {
    acc = a * acc + (1.0 - a) * values[i];
    weight = a * weight + (1.0 - a);
    out[i] = static_cast<float>(acc / weight);
  }
  return out;
}

ChartData lossChart(const std::vector<core::LossSample>& loss, int maxPoints, double smoothing) {
  ChartData d;
  std::vector<float> x, y;
  x.reserve(loss.size());
  y.reserve(loss.size());
  bool positive = true;
  for (const auto& s : loss) {
    if (!std::isfinite(s.loss)) continue;
    positive = positive && s.loss > 0.0f;
    x.push_back(static_cast<float>(s.step));
    y.push_back(s.loss);
  }
  if (x.empty()) return d;
  d.logScale = positive;
  if (positive)
    for (float& v : y) v = std::log10(v);
  maxPoints = std::max(maxPoints, 4);
  d.smooth = decimateStride(x, emaSmooth(y, smoothing), maxPoints);
  d.raw = decimateMinMax(x, y, maxPoints);
  fitRange(d);
  return d;
}

ChartData metricChart(const std::vector<double>& steps, const std::vector<double>& values,
                      bool logScale) {
  ChartData d;
  bool positive = true;
  for (std::size_t i = 0; i < steps.size() && i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    positive = positive && values[i] > 0.0;
    d.raw.x.push_back(static_cast<float>(steps[i]));
    d.raw.y.push_back(static_cast<float>(values[i]));
  }
  d.logScale = logScale && positive && !d.raw.y.empty();
  if (d.logScale)
    for (float& v : d.raw.y) v = std::log10(v);
  d.smooth = d.raw;
  fitRange(d);
  return d;
}

}  // namespace flowlab::app
