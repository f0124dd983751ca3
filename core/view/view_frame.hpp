// What the view worker is asked for (ViewRequest) and what it hands back (ViewFrame): plain
// values and immutable layers, shared between threads as std::shared_ptr<const ...>. GL-free.
// Units: world coordinates (the plane of the data), flow time t in [0, 1].
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/base/types.hpp"
#include "core/compare/entry_figures.hpp"
#include "core/eval/density_grid.hpp"
#include "core/eval/solver_study.hpp"
#include "core/eval/streamlines.hpp"
#include "core/ode/solver_run.hpp"
#include "core/training/snapshot.hpp"
#include "core/view/particle_table.hpp"

namespace flowlab::core {

// Generate: base N(0, I) at t = 0 → target at t = 1. Normalize: target samples at t = 1 → base.
enum class FlowDirection { Generate, Normalize };

// The solver lab: the particles carried solver step by solver step (instead of continuous t)
// by one chosen solver, from the model the lab holds.
struct SolverLabRequest {
  bool on = false;
  SolverConfig solver = SolverConfig::rk4(4);
  // Generate: from the base points at t = 0 to 1. Normalize: from target samples at t = 1 to 0,
  // carrying the log-density ledger.
  FlowDirection direction = FlowDirection::Generate;
  int particles = 20000;  // the same start points as the particle layer (same seed)
  // Start points the user placed (x0, y0, x1, y1, …): they come first, before the particles.
  std::vector<float> seeds;
  int highlighted = 24;  // stages recorded for the first `highlighted` start points
  std::uint64_t seed = 1;
  // The model: the lab holds the snapshot that was newest when `epoch` last changed (entering
  // the lab, or "take the newest model"); training may go on meanwhile.
  std::uint64_t epoch = 0;
  int stage = -1;  // the model's stage (0-based; rf: 0 is 1-RF); −1: the stage being trained
  bool operator==(const SolverLabRequest&) const = default;
  int count() const { return static_cast<int>(seeds.size() / 2) + particles; }  // start points
};

// Side by side: every stage of the model (rectified flow's reflow rounds) or, with `methods`,
// every stage of each method of a race (the view worker's race source), carrying the same base
// points, each measured on the same points (core/compare).
struct CompareRequest {
  bool on = false;
  bool methods = false;    // the race's methods instead of the model's stages
  std::uint64_t race = 0;  // which race (a new one is measured anew)
  int particles = 2000;    // base points per panel (the particle layer's first ones: same seed)
  int knots = 8;           // RK4 steps of each panel's table
  std::uint64_t seed = 1;
  bool operator==(const CompareRequest&) const = default;
};

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

  bool field = true;  // arrows: the field sampled at cell centres
  int fieldCols = 32, fieldRows = 32;
  Box fieldBox{};
  bool streamlines = false;  // lines tangent to v(·, t), clipped to fieldBox
  int streamlineSeeds = 8;   // seeds along the longer side of fieldBox (a jittered grid)

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

  SolverLabRequest lab;
  CompareRequest compare;

  bool operator==(const ViewRequest& o) const;  // every field equal
};

// Exact equality of two boxes.
inline bool sameBox(const Box& a, const Box& b) {
  return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1;
}

// The velocity field sampled at cell centres of a cols × rows grid over box, at time t.
struct FieldSamples {
  int cols = 0, rows = 0;
  Box box{};
  double t = 0.0;
  Points positions;           // 2×(cols·rows), GridGeometry's cell order (row 0 at the bottom)
  Points velocities;          // 2×(cols·rows)
  float typicalSpeed = 0.0f;  // the flow's median speed at t (view_field_job.hpp): arrow scale
  LayerStamp stamp;
};

// Streamlines of v(·, t) with their time, scale and source.
struct StreamlineLayer {
  Streamlines lines;
  double t = 0.0;             // flow time of the frozen field
  float typicalSpeed = 0.0f;  // the flow's median speed at t (field_jobs.hpp): colour scale
  LayerStamp stamp;
};

// A scalar grid layer (model log density, divergence, target log density) with its source.
struct GridLayer {
  DensityGrid grid;            // values: row 0 at the bottom (y0), as a GL texture; grid.t its time
  float lo = 0.0f, hi = 0.0f;  // robust value range (percentiles) for colour mapping
  LayerStamp stamp;            // model layers: the snapshot; target layers: the target version
};

// One published picture. Its model layers (particles, warped grid, field, streamlines, density,
// divergence) were all computed from the same snapshot, `modelVersion`, and each t-dependent one
// carries its t; a layer whose t is not the t on screen is stale, and the app says so.
// The solver lab's solve: every particle's state after every step of the chosen solver, the
// stages of each step for the highlighted particles, the fine reference at the same times and
// the error against it. Computed from the snapshot the lab holds (stamp), not the newest.
struct SolverLabLayer {
  SolverLabRequest request;         // what it was computed for
  LayerStamp stamp;                 // the snapshot the lab holds
  long totalSteps = 0;              // that snapshot's training steps
  SolverRun run;                    // states of every particle; ledger when normalising
  std::vector<Points> reference;    // Dopri5 at rtol = atol = 1e-7, at run.times
  std::vector<PointErrors> errors;  // per time: distance to the reference over every particle
  // Normalising: the model's exact log p at the highlighted start points (Dopri5, 1e-6), to set
  // against the ledger's sum.
  PointRow exactLogDensity;
  int steps() const { return static_cast<int>(run.times.size()) - 1; }
};

// Side by side: one panel per stage of the newest model (or of each method of a race), in
// order. A finished stage's panel is computed once; a stage being trained is measured again
// every few seconds.
struct ComparePanel {
  std::string name;        // "1-RF", "2-RF", … (the method's name for a one-stage model)
  int stage = 0;           // 0-based
  bool training = false;   // the stage being trained (its figures follow it)
  long trainingSteps = 0;  // steps trained when measured
  long stageSteps = 0;     // steps the stage trains in all
  // The stage's training speed (steps over the seconds of its steps) and the wall time from the
  // start of the method's training to this stage's end (to the measurement while it trains).
  double stepsPerSecond = std::numeric_limits<double>::quiet_NaN();
  double wallSeconds = std::numeric_limits<double>::quiet_NaN();
  std::shared_ptr<const ParticleTable> table;  // the base points carried by this stage
  EntryFigures figures;                        // on the layer's samples (n points)
  long couplingCrossings = -1;
  std::shared_ptr<const Points> couplingStarts, couplingEnds;     // the pairs it trained on
  std::shared_ptr<const std::vector<int>> couplingCrossingLines;  // those that cross another
  // Columns of `table` among its first kCrossingPaths whose path crosses another's (their pair
  // count is figures.crossings).
  std::shared_ptr<const std::vector<int>> crossingPaths;
};
struct CompareLayer {
  std::vector<ComparePanel> panels;
  double otLowerBound = 0.0, otBoundError = 0.0, w2Floor = 0.0;
  long n = 0;       // points the figures are measured on
  long boundN = 0;  // points the OT bound is computed on (fewer bias it up more)
  static constexpr int kFigurePoints = 500, kBoundPoints = 2000;
};

struct ViewFrame {
  std::uint64_t version = 0;                 // strictly increasing
  ViewRequest request;                       // the request the model layers were computed for
  std::shared_ptr<const Snapshot> snapshot;  // the snapshot they were computed from
  std::uint64_t modelVersion = 0;            // its version (0: no model layer yet)
  bool continuous = true;  // the model has a velocity field (false: RealNVP, t = 1 only)

  std::shared_ptr<const ParticleTable> particles;  // also the pathlines (first pathCount)
  std::shared_ptr<const ParticleTable> grid;       // warped grid: lines along x, then along y
  int gridLines = 0, gridPointsPerLine = 0;
  std::shared_ptr<const FieldSamples> field;
  std::shared_ptr<const StreamlineLayer> streamlines;
  std::shared_ptr<const GridLayer> density;
  std::shared_ptr<const GridLayer> divergence;
  std::shared_ptr<const GridLayer> targetDensity;
  std::shared_ptr<const Points> targetSamples;
  std::uint64_t targetVersion = 0;              // of the target the target layers show
  std::shared_ptr<const SolverLabLayer> lab;    // the solver lab's solve (lab on, model has an ODE)
  std::shared_ptr<const CompareLayer> compare;  // the stages side by side (compare on)
  // The solver lab's convergence and few-step figures for the model as it trains (the lab's
  // stage): every fixed-step solver at N = 1 … 100 on kLabStudyPoints points (lab on).
  std::shared_ptr<const SolverStudy> labStudy;
  long labStudySteps = 0;  // the training steps of the model the study is of
  static constexpr int kLabStudyPoints = 500;

  std::string error;          // the last computation failure, "" when none
  double busyFraction = 0.0;  // share of wall time the worker spent computing (recent)

  // True when every layer that `request` asks for is present.
  bool hasAllLayers() const;
};

// Robust range of finite values: the lo/hi quantiles (e.g. 0.02 / 0.995). {0, 0} when empty.
std::pair<float, float> finiteQuantileRange(const std::vector<float>& values, double lo, double hi);

}  // namespace flowlab::core
