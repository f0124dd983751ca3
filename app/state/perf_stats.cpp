// Frame-time statistics and the JSON performance report (GL-free).
#include "app/state/perf_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace flowlab::app {

void FrameStats::add(double seconds) { all_.push_back(seconds); }

double FrameStats::percentile(double q) const {
  if (all_.empty()) return 0.0;
  std::vector<double> v = all_;
  const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * (v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double FrameStats::median() const { return percentile(0.5); }

double FrameStats::worst() const {
  return all_.empty() ? 0.0 : *std::max_element(all_.begin(), all_.end());
}

double FrameStats::meanFps() const {
  const double total = std::accumulate(all_.begin(), all_.end(), 0.0);
  return total > 0.0 ? static_cast<double>(all_.size()) / total : 0.0;
}

double FrameStats::recentMean(std::size_t recent) const {
  const std::size_t n = std::min(recent, all_.size());
  if (n == 0) return 0.0;
  return std::accumulate(all_.end() - static_cast<std::ptrdiff_t>(n), all_.end(), 0.0) / n;
}

double FrameStats::recentWorst(std::size_t recent) const {
  const std::size_t n = std::min(recent, all_.size());
  if (n == 0) return 0.0;
  return *std::max_element(all_.end() - static_cast<std::ptrdiff_t>(n), all_.end());
}

namespace {
// A JSON number, or null for NaN.
std::string jsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}
}  // namespace

std::string toJson(const PerfReport& r) {
  const double ratio =
      r.baselineStepsPerSecond > 0.0 ? r.appStepsPerSecond / r.baselineStepsPerSecond : 0.0;
  char buf[4096];
  std::snprintf(buf, sizeof buf,
                "{\n"
                "  \"window\": [%d, %d],\n"
                "  \"method\": \"%s\",\n"
                "  \"target\": \"%s\",\n"
                "  \"simd\": \"%s\",\n"
                "  \"particles\": %d,\n"
                "  \"heatmap\": [%d, %d],\n"
                "  \"layers\": \"%s\",\n"
                "  \"max_fps\": %.1f,\n"
                "  \"frames\": %ld,\n"
                "  \"seconds\": %.3f,\n"
                "  \"fps\": %.2f,\n"
                "  \"frame_ms_median\": %.3f,\n"
                "  \"frame_ms_p95\": %.3f,\n"
                "  \"frame_ms_worst\": %.3f,\n"
                "  \"paint_frames\": %ld,\n"
                "  \"paint_frame_ms_worst\": %.3f,\n"
                "  \"steps_per_second_headless\": %.1f,\n"
                "  \"steps_per_second_app\": %.1f,\n"
                "  \"steps_ratio\": %.3f,\n"
                "  \"view_worker_busy\": %.3f,\n"
                "  \"ui_cpu_ms_per_frame\": %.3f,\n"
                "  \"process_cpu_cores\": %.3f,\n"
                "  \"cpu_cores\": {\"ui\": %.3f, \"view_worker\": %.3f, \"raster\": %.3f, "
                "\"gl_threads\": %.3f, \"trainer\": %.3f},\n"
                "  \"view_frames\": %ld,\n"
                "  \"animation\": {\"t\": %.6f, \"seconds\": %.6f, \"speed\": %.6f},\n"
                "  \"shown_t\": {\"density\": %s, \"field\": %s},\n"
                "  \"solver_lab\": {\"steps\": %ld, \"step_to_screen_ms_median\": %.3f, "
                "\"step_to_screen_ms_worst\": %.3f},\n"
                "  \"compare_while_training\": {\"frames\": %ld, \"panels\": %d, "
                "\"frame_ms_median\": %.3f, \"frame_ms_worst\": %.3f, \"fps\": %.2f},\n"
                "  \"history\": {\"moves\": %ld, \"to_screen_ms_median\": %.3f, "
                "\"to_screen_ms_worst\": %.3f}\n"
                "}\n",
                r.width, r.height, r.method.c_str(), r.target.c_str(), r.simd.c_str(), r.particles,
                r.heatmapWidth, r.heatmapHeight, r.layers.c_str(), r.maxFps, r.frames, r.seconds,
                r.fps, r.medianFrameMs, r.p95FrameMs, r.worstFrameMs, r.paintFrames,
                r.worstPaintFrameMs, r.baselineStepsPerSecond, r.appStepsPerSecond, ratio,
                r.viewWorkerBusy, r.uiCpuMsPerFrame, r.processCpuCores, r.uiCpuCores,
                r.viewCpuCores, r.rasterCpuCores, r.glCpuCores, r.trainerCpuCores, r.viewFrames,
                r.animationT, r.animationSeconds, r.animationSpeed, jsonNumber(r.densityT).c_str(),
                jsonNumber(r.fieldT).c_str(), r.labSteps, r.labStepMedianMs, r.labStepWorstMs,
                r.compareFrames, r.comparePanels, r.compareFrameMsMedian, r.compareFrameMsWorst,
                r.compareFps, r.historyMoves, r.historyMsMedian, r.historyMsWorst);
  return buf;
}

}  // namespace flowlab::app
