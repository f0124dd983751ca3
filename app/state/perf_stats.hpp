// Frame-time statistics for the performance overlay and the --perf-report measurement mode.
// GL-free; UI thread only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace flowlab::app {

class FrameStats {
 public:
  void add(double seconds);  // one frame's duration
  std::size_t count() const { return all_.size(); }
  // Over every frame added: median, 95th percentile, worst (seconds) and mean fps.
  double median() const;
  double percentile(double q) const;
  double worst() const;
  double meanFps() const;
  // Over the last `recent` frames (for the overlay).
  double recentMean(std::size_t recent = 60) const;
  double recentWorst(std::size_t recent = 60) const;
  void clear() { all_.clear(); }

 private:
  std::vector<double> all_;
};

struct PerfReport {
  int width = 0, height = 0;
  int particles = 0, heatmapWidth = 0, heatmapHeight = 0;
  std::string layers;  // the layers that were on
  std::string method, target;
  std::string simd;  // the kernel set that ran (core/kernel_set.hpp)
  long frames = 0;
  double seconds = 0.0;
  double medianFrameMs = 0.0, p95FrameMs = 0.0, worstFrameMs = 0.0, fps = 0.0;
  long paintFrames = 0;  // frames during which the scripted brush painted
  double worstPaintFrameMs = 0.0;
  double baselineStepsPerSecond = 0.0;  // headless, before the window opened
  double appStepsPerSecond = 0.0;       // while the app rendered
  double maxFps = 0.0;                  // the frame cap in force (0: none)
  double viewWorkerBusy = 0.0;
  double uiCpuMsPerFrame = 0.0;  // CPU time of the UI thread per frame (GL driver calls included)
  double processCpuCores = 0.0;  // CPU seconds of the whole process per wall second
  // Of which (CPU seconds per wall second): the UI thread, the view worker, the canvas raster
  // thread, the GL driver's rasteriser threads, and the rest (the trainer).
  double uiCpuCores = 0.0, viewCpuCores = 0.0, rasterCpuCores = 0.0, glCpuCores = 0.0,
         trainerCpuCores = 0.0;
  long viewFrames = 0;  // view frames published by the worker during the run
  // The animation at the last frame (--frames N): its t, the wall seconds from the first frame's
  // start to the last one's, the speed; the t of the density layer and of the field arrows shown
  // in the final picture (NaN when the layer is off).
  double animationT = 0.0, animationSeconds = 0.0, animationSpeed = 0.0;
  double densityT = 0.0, fieldT = 0.0;
  // The solver lab (--lab): steps taken during the measured window, and the time from asking for
  // a step to the frame that shows it on screen, median and worst (ms).
  long labSteps = 0;
  double labStepMedianMs = 0.0, labStepWorstMs = 0.0;
  // Looking back (--scrub): moves to a past step, and the time from asking to the frame that
  // shows every layer of that model (ms).
  long historyMoves = 0;
  double historyMsMedian = 0.0, historyMsWorst = 0.0;
  // The stages side by side (--compare): frames in the measured window that showed `panels` or
  // more panels while a stage was training, and their frame times (ms).
  long compareFrames = 0;
  int comparePanels = 0;  // the most panels on screen in those frames
  double compareFrameMsMedian = 0.0, compareFrameMsWorst = 0.0, compareFps = 0.0;
};

// The report as a JSON object (one line per field).
std::string toJson(const PerfReport& report);

}  // namespace flowlab::app
