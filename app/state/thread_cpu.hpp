// CPU time of this process's threads, grouped by role, for the performance report: the UI
// (main) thread, the view worker ("flowlab-view"), the raster thread ("flowlab-raster"), the GL
// driver's threads ("llvmpipe-*") and the rest (the trainer). Linux (/proc); elsewhere every figure
// is 0. GL-free.
#pragma once

namespace flowlab::app {

struct ThreadCpu {
  // CPU seconds since each thread started.
  double ui = 0.0, view = 0.0, raster = 0.0, gl = 0.0, other = 0.0;
};

ThreadCpu threadCpuTimes();

}  // namespace flowlab::app
