// The raster worker's loop: take the newest request, paint it into a free pooled image, publish.
#include "app/canvas/raster_worker.hpp"

#include <atomic>

#include "core/base/thread_setup.hpp"

namespace flowlab::app {

namespace {
constexpr std::size_t kPoolSize = 3;  // the published image, one the UI may hold, one to paint
}

RasterWorker::RasterWorker() : thread_([this](std::stop_token st) { run(st); }) {}

RasterWorker::~RasterWorker() {
  thread_.request_stop();
  wake_.notify_all();
}

std::uint64_t RasterWorker::request(core::CanvasRequest request) {
  std::uint64_t sequence;
  {
    std::lock_guard lock(mutex_);
    sequence = ++sequence_;
    request.sequence = sequence;
    pending_ = std::move(request);
    hasPending_ = true;
  }
  wake_.notify_one();
  return sequence;
}

std::shared_ptr<const CanvasImage> RasterWorker::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

bool RasterWorker::waitFor(std::uint64_t sequence, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return done_.wait_for(lock, timeout, [&] { return latest_ && latest_->sequence >= sequence; });
}

std::shared_ptr<CanvasImage> RasterWorker::freeImage() {
  // use_count() == 1: only the pool holds it (neither published nor held by a reader). The
  // reader's release is a release-decrement; the fence makes its last reads happen before our
  // writes.
  for (auto& image : pool_)
    if (image.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);
      return image;
    }
  auto image = std::make_shared<CanvasImage>();
  if (pool_.size() < kPoolSize)
    pool_.push_back(image);
  else
    pool_.front() = image;  // a reader holds on to old images: let it keep them
  return image;
}

void RasterWorker::run(std::stop_token stop) {
  core::nameThisThread("flowlab-raster");
  core::CanvasRequest request;
  while (!stop.stop_requested()) {
    std::shared_ptr<CanvasImage> image;
    {
      std::unique_lock lock(mutex_);
      if (!wake_.wait(lock, stop, [&] { return hasPending_; })) break;
      request = std::move(pending_);
      pending_.frame.reset();
      hasPending_ = false;
      image = freeImage();
    }
    image->empty = !painter_.paint(request, image->image);
    image->sequence = request.sequence;
    image->t = request.t;
    image->labStep = request.lab ? request.labStep : -1;
    image->modelVersion = request.frame ? request.frame->modelVersion : 0;
    image->complete = request.frame && request.frame->hasAllLayers();
    request.frame.reset();  // do not keep a ViewFrame alive while idle
    {
      std::lock_guard lock(mutex_);
      latest_ = std::move(image);
    }
    done_.notify_all();
  }
}

}  // namespace flowlab::app
