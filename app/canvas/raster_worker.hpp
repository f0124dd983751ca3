// Folder canvas/: painting the canvas off the UI thread.
//
// A thread that paints the canvas (core/render's CanvasPainter: every layer) for the UI: the UI
// posts a request each frame and uploads the newest finished image; it never waits for one.
//
// Why its own thread rather than the view worker's: the image follows the animation every frame
// (a few ms of work), while the view worker does 30 ms pieces of model evaluation at a low
// priority; queued behind them the particles would stutter. GL-free.
//
// Threads. request() and latest() may be called from any thread and return at once; painting
// happens on the worker thread ("flowlab-raster"). Images come from a small pool and are reused
// once nobody holds them, so steady state allocates nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/render/canvas_painter.hpp"

namespace flowlab::app {

struct CanvasImage {
  core::RasterImage image;     // opaque RGBA8 over image.box, row 0 at the bottom
  bool empty = true;           // no pixels (a zero-size canvas): nothing to draw
  std::uint64_t sequence = 0;  // of the request it answers (increasing)
  double t = 0.0;              // the flow time painted
  int labStep = -1;            // the solver lab's step painted (−1: the lab was not drawn)
  // The snapshot version of the model layers painted, and whether the frame had every layer.
  std::uint64_t modelVersion = 0;
  bool complete = false;
};

class RasterWorker {
 public:
  RasterWorker();   // starts the thread
  ~RasterWorker();  // stops and joins
  RasterWorker(const RasterWorker&) = delete;
  RasterWorker& operator=(const RasterWorker&) = delete;

  // Replaces any request not yet started. Returns the sequence number given to it.
  std::uint64_t request(core::CanvasRequest request);
  // The newest finished image (null before the first). Hold it only as long as needed: an image
  // held is an image the worker cannot reuse.
  std::shared_ptr<const CanvasImage> latest() const;
  // Blocks until the image for request `sequence` (or a later one) is done, or the timeout.
  // For tests and screenshots only.
  bool waitFor(std::uint64_t sequence, std::chrono::milliseconds timeout) const;

 private:
  void run(std::stop_token stop);
  std::shared_ptr<CanvasImage> freeImage();  // worker thread, mutex held

  mutable std::mutex mutex_;  // guards pending_, hasPending_, sequence_, latest_, pool_
  mutable std::condition_variable_any wake_;
  mutable std::condition_variable_any done_;
  core::CanvasRequest pending_;
  bool hasPending_ = false;
  std::uint64_t sequence_ = 0;
  std::shared_ptr<CanvasImage> latest_;
  std::vector<std::shared_ptr<CanvasImage>> pool_;
  core::CanvasPainter painter_;  // worker thread only
  std::jthread thread_;          // last
};

}  // namespace flowlab::app
