// Frame, training and CPU figures of a measured run.
#include "app/state/run_measurement.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>

namespace flowlab::app {

namespace {

double seconds(RunMeasurement::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double processCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

RunMeasurement::RunMeasurement(long frames)
    : measureFrom_(frames > 0 ? std::min<long>(30, frames / 4) : 0) {}

void RunMeasurement::frameEnded(long index, Clock::time_point start, long totalSteps,
                                std::uint64_t viewVersion, bool painting) {
  const Clock::time_point end = Clock::now();
  if (index == measureFrom_) {
    measureStart_ = end;
    stepsAtStart_ = totalSteps;
    viewVersionAtStart_ = viewVersion;
    uiCpuAtStart_ = threadCpuSeconds();
    processCpuAtStart_ = processCpuSeconds();
    threadsAtStart_ = threadCpuTimes();
    measuring_ = true;
  } else if (index > measureFrom_) {
    frames_.add(seconds(end - lastEnd_));
    workTimes_.add(seconds(end - start));
    if (painting) paintFrames_.add(seconds(end - lastEnd_));
    if (training_ && comparePanels_ > 0 && comparePanels_ >= mostPanels_) {
      if (comparePanels_ > mostPanels_) compareFrames_ = FrameStats{};  // more panels: anew
      mostPanels_ = comparePanels_;
      compareFrames_.add(seconds(end - lastEnd_));
    }
  }
  lastEnd_ = end;
}

void RunMeasurement::historyShown(double seconds) {
  if (measuring_) historyMoves_.add(seconds);
}

void RunMeasurement::labStepShown(double seconds) {
  if (measuring_) labSteps_.add(seconds);
}

void RunMeasurement::fill(PerfReport& r, long totalSteps, std::uint64_t viewVersion) const {
  r.labSteps = static_cast<long>(labSteps_.count());
  r.labStepMedianMs = 1e3 * labSteps_.median();
  r.labStepWorstMs = 1e3 * labSteps_.worst();
  r.historyMoves = static_cast<long>(historyMoves_.count());
  r.historyMsMedian = 1e3 * historyMoves_.median();
  r.historyMsWorst = 1e3 * historyMoves_.worst();
  r.compareFrames = static_cast<long>(compareFrames_.count());
  r.comparePanels = mostPanels_;
  r.compareFrameMsMedian = 1e3 * compareFrames_.median();
  r.compareFrameMsWorst = 1e3 * compareFrames_.worst();
  r.compareFps = compareFrames_.meanFps();
  r.frames = static_cast<long>(frames_.count());
  r.seconds = seconds(Clock::now() - measureStart_);
  r.medianFrameMs = 1e3 * frames_.median();
  r.p95FrameMs = 1e3 * frames_.percentile(0.95);
  r.worstFrameMs = 1e3 * frames_.worst();
  r.fps = frames_.meanFps();
  r.paintFrames = static_cast<long>(paintFrames_.count());
  r.worstPaintFrameMs = 1e3 * paintFrames_.worst();
  if (r.seconds > 0.0) r.appStepsPerSecond = (totalSteps - stepsAtStart_) / r.seconds;
  r.viewFrames = static_cast<long>(viewVersion - viewVersionAtStart_);
  if (r.frames > 0) r.uiCpuMsPerFrame = 1e3 * (threadCpuSeconds() - uiCpuAtStart_) / r.frames;
  if (r.seconds > 0.0) {
    r.processCpuCores = (processCpuSeconds() - processCpuAtStart_) / r.seconds;
    const ThreadCpu t = threadCpuTimes();
    r.uiCpuCores = (t.ui - threadsAtStart_.ui) / r.seconds;
    r.viewCpuCores = (t.view - threadsAtStart_.view) / r.seconds;
    r.rasterCpuCores = (t.raster - threadsAtStart_.raster) / r.seconds;
    r.glCpuCores = (t.gl - threadsAtStart_.gl) / r.seconds;
    r.trainerCpuCores = (t.other - threadsAtStart_.other) / r.seconds;
  }
}

}  // namespace flowlab::app
