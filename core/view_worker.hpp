// The view worker: a thread that turns the newest training Snapshot and the UI's latest
// ViewRequest into an immutable ViewFrame (particles, pathlines, field arrows, density and
// divergence grids, warped grid, target layers) for the app to draw. GL-free.
//
// Threads. The UI thread calls setRequest() and frame() (both return at once, never waiting for
// a computation); the worker thread alone computes. Each published frame is a
// std::shared_ptr<const ViewFrame>; layers that did not change are shared between frames, so a
// reader can tell what changed by comparing layer pointers.
//
// Cost. The worker does bounded pieces of work (a chunk of particles, a strip of a density
// grid, …) of about Options::chunkSeconds each and publishes after each, so fresh weights show
// up progressively and a request change is picked up within one piece. Particles and the warped
// grid are cached at uniform knot times per snapshot, so moving t costs the UI an interpolation
// and the worker nothing. On a 2-core machine the worker runs at a low priority by default: it
// mostly uses the CPU that training and drawing leave free.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/density_grid.hpp"
#include "core/snapshot.hpp"
#include "core/types.hpp"

namespace flowlab::core {

// Generate: base N(0, I) at t = 0 → target at t = 1. Normalize: target samples at t = 1 → base.
enum class FlowDirection { Generate, Normalize };

// What the UI wants to see. A plain value; the worker always works on the latest one.
struct ViewRequest {
  double t = 1.0;  // time of the field, density and divergence layers, in [0, 1]
  FlowDirection direction = FlowDirection::Generate;
  std::uint64_t seed = 1;  // of the particle, target-sample and warped-grid start points

  bool particles = true;
  int particleCount = 20000;
  bool particleLogDensity = false;  // also carry log p_t along each particle (≈3× the cost)
  bool paths = true;
  int pathCount = 300;  // the first pathCount particles are the pathlines
  int knots = 8;        // RK4 steps over [0, 1]: particles are cached at knots + 1 times

  bool field = true;
  int fieldCols = 32, fieldRows = 32;
  Box fieldBox{};

  bool density = true;      // exact log p_t on a heatmapWidth × heatmapHeight grid
  bool divergence = false;  // div v(·, t) on the same grid
  int heatmapWidth = 128, heatmapHeight = 128;
  Box heatmapBox{};
  int densitySteps = 8;  // RK4 steps per unit time of the backward integration

  bool warpedGrid = false;
  int gridLines = 17;                 // lines along each axis
  int gridPointsPerLine = 65;         // vertices per line
  Box gridBox{-3.0, -3.0, 3.0, 3.0};  // the regular grid of base points (t = 0)

  bool targetSamples = false;
  int targetSampleCount = 4000;
  bool targetDensity = false;  // on the heatmap grid

  bool operator==(const ViewRequest& o) const;  // every field equal
};

// Exact equality of two boxes.
inline bool sameBox(const Box& a, const Box& b) {
  return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1;
}

// Where a layer's data came from: the snapshot's version and when the worker first saw it.
struct LayerStamp {
  std::uint64_t snapshotVersion = 0;
  std::chrono::steady_clock::time_point seen{};
};

// Points carried by the flow, stored at knot times so any t in between is an interpolation.
// Used for particles (and their pathlines) and for the warped grid's vertices.
struct ParticleTable {
  std::vector<double> times;         // ascending knot times in [0, 1], uniformly spaced
  std::vector<Points> positions;     // positions[k]: 2×N at times[k]
  std::vector<PointRow> logDensity;  // log p_{times[k]}(positions[k]) (empty unless requested)
  Points start;                      // 2×N starting points (t = 0 Generate, t = 1 Normalize)
  int valid = 0;                     // columns [0, valid) are computed (a prefix grows at first)
  LayerStamp newest, oldest;         // newest and oldest snapshot among the computed chunks

  int count() const { return static_cast<int>(start.cols()); }
  bool hasLogDensity() const { return !logDensity.empty(); }
  // out (2×valid) = positions at time t, Catmull–Rom between knots (exact at knots; t clamped).
  void positionsAt(double t, Points& out) const;
  // out (1×valid) = log p_t, linear between knots. Requires hasLogDensity().
  void logDensityAt(double t, PointRow& out) const;
  // One column's position at time t (same interpolation as positionsAt).
  Eigen::Vector2f positionAt(int column, double t) const;
};

// The velocity field sampled at cell centres of a cols × rows grid over box, at time t.
struct FieldSamples {
  int cols = 0, rows = 0;
  Box box{};
  double t = 0.0;
  Points positions;   // 2×(cols·rows), row-major from the bottom row
  Points velocities;  // 2×(cols·rows)
  float maxSpeed = 0.0f;
  LayerStamp stamp;
};

// A scalar grid layer (model log density, divergence, target log density) with its source.
struct GridLayer {
  DensityGrid grid;      // values: row 0 at the bottom (y0), as a GL texture
  bool exact = true;     // false for an estimate (never produced now; kept for the label)
  bool complete = true;  // false while the first strips of a new grid are still being computed
  float lo = 0.0f, hi = 0.0f;  // robust value range (percentiles) for colour mapping
  LayerStamp stamp;
};

struct ViewFrame {
  std::uint64_t version = 0;                 // strictly increasing
  ViewRequest request;                       // the newest request the worker had seen
  std::shared_ptr<const Snapshot> snapshot;  // newest snapshot the worker had seen
  bool continuous = true;  // the model has a velocity field (false: RealNVP, t = 1 only)

  std::shared_ptr<const ParticleTable> particles;  // also the pathlines (first pathCount)
  std::shared_ptr<const ParticleTable> grid;       // warped grid: lines along x, then along y
  int gridLines = 0, gridPointsPerLine = 0;
  std::shared_ptr<const FieldSamples> field;
  std::shared_ptr<const GridLayer> density;
  std::shared_ptr<const GridLayer> divergence;
  std::shared_ptr<const GridLayer> targetDensity;
  std::shared_ptr<const Points> targetSamples;
  LayerStamp targetStamp;

  std::string error;          // the last computation failure, "" when none
  double busyFraction = 0.0;  // share of wall time the worker spent computing (recent)

  // True when every layer that `request` asks for has complete data (a screenshot may be taken).
  bool hasAllLayers() const;
};

class ViewWorker {
 public:
  using SnapshotSource = std::function<std::shared_ptr<const Snapshot>()>;

  struct Options {
    double chunkSeconds = 0.03;    // target duration of one piece of work
    double maxBusyFraction = 1.0;  // sleep between pieces to stay under this share of a core
    bool lowPriority = true;       // run the thread at a low priority (nice 10, Linux)
    int pollMilliseconds = 15;     // how often to look for a new snapshot when idle
  };

  // Starts the thread. source() is called from the worker thread and must be thread-safe
  // (Trainer::snapshot() is); it may return null until training has published.
  explicit ViewWorker(SnapshotSource source);
  ViewWorker(SnapshotSource source, Options options);
  ~ViewWorker();  // stops and joins
  ViewWorker(const ViewWorker&) = delete;
  ViewWorker& operator=(const ViewWorker&) = delete;

  // Any thread. Returns at once.
  void setRequest(const ViewRequest& request);
  // Any thread. The newest frame (never null; empty layers until computed).
  std::shared_ptr<const ViewFrame> frame() const;
  // True when every requested layer is computed for the newest request and snapshot seen.
  bool upToDate() const { return upToDate_.load(); }
  // Blocks the caller until upToDate() or the timeout; for tests and screenshots only.
  bool waitUntilUpToDate(std::chrono::milliseconds timeout) const;

 private:
  struct State;
  void run(std::stop_token stop);

  Options options_;
  SnapshotSource source_;
  mutable std::mutex mutex_;  // guards request_, requestVersion_ and frame_
  mutable std::condition_variable_any wake_;
  ViewRequest request_;
  std::uint64_t requestVersion_ = 1;
  std::shared_ptr<const ViewFrame> frame_;
  std::atomic<bool> upToDate_{false};
  std::unique_ptr<State> state_;  // worker thread only
  std::jthread thread_;           // last
};

// Robust range of finite values: the lo/hi quantiles (e.g. 0.02 / 0.995). {0, 0} when empty.
std::pair<float, float> finiteQuantileRange(const std::vector<float>& values, double lo, double hi);

}  // namespace flowlab::core
