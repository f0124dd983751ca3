// The raster worker: paints on its own thread and hands the newest image over.
#include <doctest/doctest.h>

#include <chrono>

#include "app/canvas/raster_worker.hpp"

using namespace flowlab::app;
using flowlab::core::CanvasRequest;

TEST_CASE("raster worker: answers the newest request without the caller waiting") {
  RasterWorker worker;
  CHECK(worker.latest() == nullptr);
  CanvasRequest request;
  request.box = {0.0, 0.0, 1.0, 1.0};
  request.width = 64;
  request.height = 32;
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) last = worker.request(request);
  REQUIRE(worker.waitFor(last, std::chrono::seconds(5)));
  const auto image = worker.latest();
  REQUIRE(image);
  CHECK(image->sequence == last);
  CHECK(image->image.width == 64);
  CHECK(image->image.height == 32);
  CHECK_FALSE(image->empty);  // the background is always painted
}
