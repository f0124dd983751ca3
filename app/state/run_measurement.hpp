// The bookkeeping of a measured run (--frames N with --perf-report, and the performance overlay
// of any run): which frames count (after a short warm-up), frame and painting times, and the
// training steps, view frames and CPU time over the measured window; then the report. GL-free;
// UI thread only.
#pragma once

#include <chrono>
#include <cstdint>

#include "app/state/perf_stats.hpp"
#include "app/state/thread_cpu.hpp"

namespace flowlab::app {

class RunMeasurement {
 public:
  using Clock = std::chrono::steady_clock;

  // frames > 0: a run of that many frames, measured from frame min(30, frames / 4); otherwise
  // an interactive run measured from the first frame.
  explicit RunMeasurement(long frames);

  // At the end of frame `index` (0, 1, …), which started at `start`: the trainer's total steps
  // and the view worker's frame version then, and whether the brush was painting.
  void frameEnded(long index, Clock::time_point start, long totalSteps, std::uint64_t viewVersion,
                  bool painting);

  // What the frame about to end shows: the number of compare panels (0: none) and whether a
  // stage is training. Frames with the most panels seen while training are counted apart.
  void showing(int comparePanels, bool training) {
    comparePanels_ = comparePanels;
    training_ = training;
  }

  // A solver-lab step reached the screen `seconds` after it was asked for (counted in the
  // measured window).
  void labStepShown(double seconds);

  // A past model (the training history) was on screen `seconds` after it was asked for.
  void historyShown(double seconds);

  // Frame times of the measured window (the overlay reads recent ones).
  const FrameStats& frames() const { return frames_; }

  // The report's timing fields: frames, fps, frame and paint times, the app's training steps
  // per second up to `totalSteps` now, view frames up to `viewVersion`, and CPU shares.
  void fill(PerfReport& report, long totalSteps, std::uint64_t viewVersion) const;

 private:
  long measureFrom_;
  Clock::time_point measureStart_{}, lastEnd_{};
  long stepsAtStart_ = 0;
  std::uint64_t viewVersionAtStart_ = 0;
  double uiCpuAtStart_ = 0.0, processCpuAtStart_ = 0.0;
  ThreadCpu threadsAtStart_{};
  FrameStats frames_, workTimes_, paintFrames_, labSteps_, compareFrames_, historyMoves_;
  int comparePanels_ = 0, mostPanels_ = 0;
  bool training_ = false;
  bool measuring_ = false;
};

}  // namespace flowlab::app
