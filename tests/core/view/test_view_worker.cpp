// The view worker: layers agree with direct computations from the same weights, particles are
// cached on a t-grid (moving t recomputes nothing), new weights refresh them, and the cached
// interpolation is exact on straight paths.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "core/compare/method_race.hpp"
#include "core/eval/flow_evaluator.hpp"
#include "core/training/history_snapshot.hpp"
#include "core/training/training_session.hpp"
#include "core/view/compare_job.hpp"
#include "core/view/view_worker.hpp"

using namespace flowlab::core;
using namespace std::chrono_literals;

namespace {

// How long a test waits for the worker before failing: a bound against a hang, not a speed bar.
// Under ThreadSanitizer beside another suite, two races of training and reflow pairs took 140 s.
constexpr auto kPatience = 300s;

std::shared_ptr<const Snapshot> makeSnapshot(std::uint64_t version, std::uint64_t seed,
                                             Method method = Method::FlowMatching) {
  auto model = std::make_shared<Model>();
  model->config.method = method;
  model->config.mlp.hidden = 16;
  model->config.mlp.layers = 2;
  model->config.couplingLayers = 4;
  model->target = "8gaussians";
  Stage stage;
  Rng rng(seed);
  initialParameters(model->config, stage.params, rng);
  model->stages.push_back(stage);
  auto s = std::make_shared<Snapshot>();
  s->version = version;
  s->model = model;
  s->target = makeBuiltinTarget("8gaussians");
  s->targetVersion = 1;
  return s;
}

// A snapshot source the test can swap.
struct Source {
  std::mutex mutex;
  std::shared_ptr<const Snapshot> snap;
  std::shared_ptr<const Snapshot> operator()() {
    std::lock_guard lock(mutex);
    return snap;
  }
  void set(std::shared_ptr<const Snapshot> s) {
    std::lock_guard lock(mutex);
    snap = std::move(s);
  }
};

ViewWorker::Options testOptions() {
  ViewWorker::Options o;
  o.lowPriority = false;  // tests may share the machine with other suites
  return o;
}

// Waits until the published model layers come from snapshot `version` and the worker is up to
// date with it.
bool waitForModelVersion(const ViewWorker& worker, std::uint64_t version) {
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    if (worker.waitUntilUpToDate(100ms) && worker.frame()->modelVersion == version) return true;
    std::this_thread::yield();
  }
  return false;
}

ViewRequest smallRequest() {
  ViewRequest r;
  r.t = 0.5;
  r.particleCount = 600;
  r.pathCount = 50;
  r.knots = 6;
  r.fieldCols = 6;
  r.fieldRows = 5;
  r.fieldBox = {-3, -2.5, 3, 2.5};
  r.density = true;
  r.divergence = true;
  r.heatmapWidth = 12;
  r.heatmapHeight = 10;
  r.heatmapBox = {-3, -2.5, 3, 2.5};
  r.densitySteps = 6;
  r.warpedGrid = true;
  r.gridLines = 5;
  r.gridPointsPerLine = 9;
  r.targetSamples = true;
  r.targetSampleCount = 300;
  r.targetDensity = true;
  return r;
}

}  // namespace

TEST_CASE("particle table: Catmull-Rom interpolation is exact at knots and on straight paths") {
  ParticleTable table;
  table.times = {0.0, 0.25, 0.5, 0.75, 1.0};
  table.start = Points(2, 2);
  table.start << 0, 1, 0, -1;
  const Eigen::Vector2f velocity0(2, -1), velocity1(-1, 3);
  for (double t : table.times) {
    Points p = table.start;
    p.col(0) += static_cast<float>(t) * velocity0;
    p.col(1) += static_cast<float>(t) * velocity1;
    table.positions.push_back(p);
  }
  Points out;
  for (double t : {0.0, 0.1, 0.25, 0.4, 0.66, 0.9, 1.0}) {
    table.positionsAt(t, out);
    CHECK(out(0, 0) == doctest::Approx(2.0 * t).epsilon(1e-5));
    CHECK(out(1, 0) == doctest::Approx(-1.0 * t).epsilon(1e-5));
    CHECK(out(0, 1) == doctest::Approx(1.0 - t).epsilon(1e-5));
    const Eigen::Vector2f one = table.positionAt(1, t);
    CHECK(one.y() == doctest::Approx(out(1, 1)));
  }
  table.positionsAt(-3.0, out);  // clamped
  CHECK(out(0, 0) == doctest::Approx(0.0));
}

TEST_CASE("view worker: every layer matches a direct computation with the same weights") {
  Source source;
  const auto snap = makeSnapshot(1, 7);
  source.set(snap);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto frame = worker.frame();
  REQUIRE(frame->hasAllLayers());
  CHECK(frame->error.empty());
  CHECK(frame->snapshot == snap);
  const TrainerConfig& config = snap->model->config;
  const ParamVec& params = snap->model->stages.back().params;

  // Particles: knots at uniform times; t = 0 is the start; t = 1 is RK4 with `knots` steps.
  const ParticleTable& p = *frame->particles;
  CHECK(p.count() == 600);
  REQUIRE(p.times.size() == 7);
  CHECK((p.positions.front() - p.start).cwiseAbs().maxCoeff() == 0.0f);
  Points x1 = p.start;
  FlowEvaluator flow(config, params);
  flow.sample(x1, SolverConfig::rk4(6));
  CHECK((p.positions.back() - x1).cwiseAbs().maxCoeff() < 1e-4f);
  CHECK(p.stamp.snapshotVersion == 1);

  // Field: v at the cell centres.
  const FieldSamples& f = *frame->field;
  CHECK(f.positions.cols() == 30);
  Points v;
  flow.velocity(f.positions, 0.5, v);
  CHECK((f.velocities - v).cwiseAbs().maxCoeff() < 1e-5f);

  // Density: the core's exact density grid, strips put together in the right rows.
  DensityGridSpec spec;
  spec.width = 12;
  spec.height = 10;
  spec.box = req.heatmapBox;
  spec.t = 0.5;
  spec.solver = SolverConfig::rk4(3);  // ceil(6 · 0.5)
  spec.threads = 1;
  const DensityGrid direct = computeLogDensityGrid(config, params, spec);
  REQUIRE(frame->density->grid.values.size() == direct.values.size());
  for (std::size_t i = 0; i < direct.values.size(); ++i)
    CHECK(frame->density->grid.values[i] == doctest::Approx(direct.values[i]).epsilon(1e-4));
  const DensityGrid div = computeDivergenceGrid(config, params, spec);
  for (std::size_t i = 0; i < div.values.size(); ++i)
    CHECK(frame->divergence->grid.values[i] == doctest::Approx(div.values[i]).epsilon(1e-4));

  // Warped grid: 2 · lines · perLine vertices; target layers present.
  CHECK(frame->grid->count() == 2 * 5 * 9);
  CHECK(frame->targetSamples->cols() == 300);
  CHECK(frame->targetDensity->grid.values.size() == 120);
}

TEST_CASE("view worker: moving t reuses the particle cache, new weights refresh it") {
  Source source;
  source.set(makeSnapshot(1, 7));
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  req.density = req.divergence = req.warpedGrid = req.targetDensity = false;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto before = worker.frame();
  req.t = 0.8;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto moved = worker.frame();
  CHECK(moved->particles == before->particles);  // same table: nothing recomputed
  CHECK(moved->field != before->field);          // the field follows t
  CHECK(moved->field->t == 0.8);
  CHECK(moved->version > before->version);

  source.set(makeSnapshot(2, 8));
  REQUIRE(waitForModelVersion(worker, 2));
  const auto fresh = worker.frame();
  CHECK(fresh->particles->stamp.snapshotVersion == 2);
  CHECK(fresh->modelVersion == 2);
  CHECK((fresh->particles->start - before->particles->start).cwiseAbs().maxCoeff() == 0.0f);
  CHECK((fresh->particles->positions.back() - before->particles->positions.back())
            .cwiseAbs()
            .maxCoeff() > 0.0f);
}

TEST_CASE("view worker: normalise direction and log densities along the paths") {
  Source source;
  const auto snap = makeSnapshot(1, 3);
  source.set(snap);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  req.density = req.divergence = req.warpedGrid = req.targetDensity = req.field = false;
  req.particleLogDensity = true;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  {
    const ParticleTable& p = *worker.frame()->particles;
    REQUIRE(p.hasLogDensity());
    PointRow base;
    standardNormalLogDensity(p.start, base);
    CHECK((p.logDensity.front() - base).cwiseAbs().maxCoeff() < 1e-5f);  // log p_0 = log N
  }
  req.direction = FlowDirection::Normalize;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const ParticleTable& p = *worker.frame()->particles;
  CHECK((p.positions.back() - p.start).cwiseAbs().maxCoeff() == 0.0f);  // starts at t = 1
  PointRow base;
  standardNormalLogDensity(p.positions.front(), base);
  CHECK((p.logDensity.front() - base).cwiseAbs().maxCoeff() < 1e-4f);
  // log p_1 at the target samples agrees with the model's own log density (same solver grid).
  PointRow logp;
  FlowEvaluator flow(snap->model->config, snap->model->stages.back().params);
  flow.logDensity(p.start, SolverConfig::rk4(6), logp);
  CHECK((p.logDensity.back() - logp).cwiseAbs().maxCoeff() < 1e-3f);
}

TEST_CASE("view worker: RealNVP has no field, particles are the t = 1 samples") {
  Source source;
  const auto snap = makeSnapshot(1, 5, Method::RealNvp);
  source.set(snap);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  req.divergence = req.warpedGrid = false;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto frame = worker.frame();
  CHECK_FALSE(frame->continuous);
  CHECK(frame->field == nullptr);
  REQUIRE(frame->particles);
  CHECK(frame->particles->times.size() == 1);
  CHECK(frame->particles->times[0] == 1.0);
  REQUIRE(frame->density);
  CHECK(frame->density->grid.t == 1.0);
  CHECK(frame->hasAllLayers());
}

TEST_CASE(
    "streamlines: a rotation's lines stay on their circles; a uniform flow's stop at the box") {
  // v = (−y, x): the streamline through a point is the circle about the origin through it.
  const VelocitySampler rotation = [](const Points& x, Points& v) {
    v.resize(2, x.cols());
    v.row(0) = -x.row(1);
    v.row(1) = x.row(0);
  };
  Points seeds(2, 3);
  seeds << 1.0f, 0.0f, -1.5f,  //
      0.0f, 0.5f, 0.2f;
  const Box box{-2.0, -2.0, 2.0, 2.0};
  const Streamlines circles = traceStreamlines(rotation, seeds, box, 0.05, 100);
  REQUIRE(circles.lines() == 3);
  for (int k = 0; k < 3; ++k) {
    const float r = seeds.col(k).norm();
    const int a = circles.offsets[k], b = circles.offsets[k + 1];
    CHECK(b - a == 201);  // 100 steps each way plus the seed: nothing stops a circle
    for (int i = a; i < b; ++i)
      CHECK(circles.vertices.col(i).norm() == doctest::Approx(r).epsilon(1e-4));
    // Speeds are |v| = r on the circle of radius r.
    CHECK(circles.speeds[a] == doctest::Approx(r).epsilon(1e-3));
    // Arc length 0.05 per step: 100 steps forward turn the seed by 5/r radians (anticlockwise).
    const Eigen::Vector2f s = seeds.col(k), end = circles.vertices.col(b - 1);
    const float turned = std::atan2(s.x() * end.y() - s.y() * end.x(), s.dot(end));
    const float expected = std::remainder(5.0f / r, 2.0f * static_cast<float>(M_PI));
    CHECK(turned == doctest::Approx(expected).epsilon(1e-3));
  }

  // v = (2, 0): horizontal lines from the left edge to the right edge, clipped onto it.
  const VelocitySampler uniform = [](const Points& x, Points& v) {
    v.resize(2, x.cols());
    v.row(0).setConstant(2.0f);
    v.row(1).setZero();
  };
  const Box view{0.0, 0.0, 4.0, 2.0};
  const Points grid = jitteredGridSeeds(view, 4, 2, 3);
  REQUIRE(grid.cols() == 8);
  for (Eigen::Index c = 0; c < grid.cols(); ++c) {
    // Each seed lies in the middle half of its own cell.
    const int i = static_cast<int>(c % 4), j = static_cast<int>(c / 4);
    CHECK(grid(0, c) >= i + 0.25f);
    CHECK(grid(0, c) <= i + 0.75f);
    CHECK(grid(1, c) >= j + 0.25f);
    CHECK(grid(1, c) <= j + 0.75f);
  }
  const Streamlines lines = traceStreamlines(uniform, grid, view, 0.1, 1000);
  REQUIRE(lines.lines() == 8);
  for (int k = 0; k < 8; ++k) {
    const int a = lines.offsets[k], b = lines.offsets[k + 1];
    CHECK(lines.vertices(0, a) == doctest::Approx(0.0));
    CHECK(lines.vertices(0, b - 1) == doctest::Approx(4.0));
    for (int i = a; i < b; ++i) {
      CHECK(lines.vertices(1, i) == doctest::Approx(grid(1, k)));
      CHECK(lines.vertices(0, i) >= 0.0f);
      CHECK(lines.vertices(0, i) <= 4.0f);
    }
    CHECK(b - a < 4.0 / 0.1 + 3);  // stopped at the edges, not after 1000 steps
  }

  // A field that vanishes stops every line at its seed.
  const VelocitySampler still = [](const Points& x, Points& v) { v.setZero(2, x.cols()); };
  const Streamlines dots = traceStreamlines(still, grid, view, 0.1, 50);
  for (int k = 0; k < dots.lines(); ++k) CHECK(dots.offsets[k + 1] - dots.offsets[k] == 1);
}

TEST_CASE("view worker: streamlines of the model's field at t, on request only") {
  Source source;
  const auto snap = makeSnapshot(1, 7);
  source.set(snap);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  REQUIRE_FALSE(req.streamlines);
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  CHECK(worker.frame()->streamlines == nullptr);

  req.streamlines = true;
  req.streamlineSeeds = 4;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto frame = worker.frame();
  REQUIRE(frame->hasAllLayers());
  REQUIRE(frame->streamlines);
  const Streamlines& s = frame->streamlines->lines;
  CHECK(frame->streamlines->t == req.t);
  CHECK(s.lines() > 0);
  CHECK(s.lines() <= 16);
  // Every vertex inside the field box; consecutive vertices one step (1/200 of the box) apart
  // or less, and each step along the model's velocity at t.
  const Box& b = req.fieldBox;
  const double step = std::max(b.width(), b.height()) / 200.0;
  FlowEvaluator flow(snap->model->config, snap->model->stages.back().params);
  Points v;
  flow.velocity(s.vertices, req.t, v);
  for (int k = 0; k < s.lines(); ++k)
    for (int i = s.offsets[k]; i < s.offsets[k + 1]; ++i) {
      CHECK(s.vertices(0, i) >= b.x0 - 1e-5);
      CHECK(s.vertices(0, i) <= b.x1 + 1e-5);
      CHECK(s.vertices(1, i) >= b.y0 - 1e-5);
      CHECK(s.vertices(1, i) <= b.y1 + 1e-5);
      CHECK(s.speeds[i] == doctest::Approx(v.col(i).norm()).epsilon(1e-4));
      if (i + 1 < s.offsets[k + 1]) {
        const Eigen::Vector2f d = s.vertices.col(i + 1) - s.vertices.col(i);
        CHECK(d.norm() <= step * 1.001);
        if (d.norm() > 0.5 * step && v.col(i).norm() > 1e-3f)
          CHECK(d.normalized().dot(v.col(i).normalized()) > 0.9f);
      }
    }
}

TEST_CASE("view worker: every model layer of a frame has one snapshot version and says its t") {
  // Training runs (a new snapshot every few ms) while t changes: every published frame must
  // still hold model layers from exactly one snapshot, and each t-dependent layer must carry the
  // t it was computed at, equal to its request's.
  Source source;
  source.set(makeSnapshot(1, 7));
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  req.streamlines = true;
  worker.setRequest(req);
  std::atomic<bool> done{false};
  std::thread trainer([&] {
    for (std::uint64_t v = 2; !done.load(); ++v) {
      source.set(makeSnapshot(v, 7 + v));
      std::this_thread::sleep_for(3ms);
    }
  });
  std::uint64_t lastVersion = 0;
  int frames = 0, consistent = 0;
  const auto until = std::chrono::steady_clock::now() + 3s;
  for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
    req.t = 0.05 * (i % 20);
    worker.setRequest(req);
    const auto f = worker.frame();
    if (f->version == lastVersion || f->modelVersion == 0) continue;
    lastVersion = f->version;
    ++frames;
    bool same = true;
    auto check = [&](std::uint64_t layerVersion) {
      same = same && layerVersion == f->modelVersion;
    };
    if (f->particles) check(f->particles->stamp.snapshotVersion);
    if (f->grid) check(f->grid->stamp.snapshotVersion);
    if (f->field) check(f->field->stamp.snapshotVersion);
    if (f->streamlines) check(f->streamlines->stamp.snapshotVersion);
    if (f->density) check(f->density->stamp.snapshotVersion);
    if (f->divergence) check(f->divergence->stamp.snapshotVersion);
    CHECK(same);
    CHECK(f->snapshot->version == f->modelVersion);
    // The t of the field, streamlines and grids is the t of the request they were computed for.
    if (f->field && f->density && f->streamlines && f->divergence) {
      CHECK(f->field->t == f->density->grid.t);
      CHECK(f->field->t == f->streamlines->t);
      CHECK(f->field->t == f->divergence->grid.t);
    }
    consistent += same;
    std::this_thread::sleep_for(2ms);
  }
  done = true;
  trainer.join();
  CHECK(frames > 3);
  CHECK(consistent == frames);

  // Once the weights and t stop changing, every layer catches up with the t on screen.
  req.t = 0.35;
  worker.setRequest(req);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto f = worker.frame();
  REQUIRE(f->density);
  CHECK(f->density->grid.t == 0.35);
  CHECK(f->field->t == 0.35);
  CHECK(f->request.t == 0.35);
  CHECK(f->particles->stamp.snapshotVersion == f->modelVersion);
}

namespace {

// Waits until the published solver-lab layer is the one of `lab`, computed from snapshot
// `version`.
std::shared_ptr<const SolverLabLayer> waitForLab(const ViewWorker& worker,
                                                 const SolverLabRequest& lab,
                                                 std::uint64_t version) {
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    const auto f = worker.frame();
    if (f->lab && f->lab->request == lab && f->lab->stamp.snapshotVersion == version) return f->lab;
    std::this_thread::sleep_for(5ms);
  }
  return nullptr;
}

}  // namespace

TEST_CASE(
    "view worker: the solver lab's solve matches a direct one, keeps its model while "
    "training goes on, and takes the newest on a new epoch") {
  Source source;
  source.set(makeSnapshot(1, 5));
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest r = smallRequest();
  r.particles = r.paths = r.density = r.divergence = r.field = false;
  r.lab.on = true;
  r.lab.solver = SolverConfig::rk4(5);
  r.lab.particles = 3000;  // more than one chunk
  r.lab.highlighted = 7;
  r.lab.epoch = 1;
  worker.setRequest(r);
  auto lab = waitForLab(worker, r.lab, 1);
  REQUIRE(lab);
  const auto snap = makeSnapshot(1, 5);
  FlowEvaluator flow(snap->model->config, snap->model->stages[0].params);
  Points x0(2, 3000);
  Rng(r.lab.seed).fillNormal(x0);
  const SolverRun direct = runSolver(flow.velocityFn(), x0, 0.0, 1.0, r.lab.solver, 7);
  REQUIRE(lab->steps() == 5);
  REQUIRE(lab->run.states.size() == 6);
  for (std::size_t k = 0; k < 6; ++k) {
    CHECK(lab->run.times[k] == direct.times[k]);
    CHECK((lab->run.states[k] - direct.states[k]).cwiseAbs().maxCoeff() < 1e-5f);
  }
  REQUIRE(lab->run.stages.size() == 5);
  CHECK(lab->run.stages[0].points.size() == 4);
  CHECK(lab->run.stages[0].points[0].cols() == 7);
  REQUIRE(lab->reference.size() == 6);
  REQUIRE(lab->errors.size() == 6);
  CHECK(lab->errors[0].max == 0.0);  // the same start points
  const Points ref = referenceStates(flow.velocityFn(), x0, direct.times).back();
  CHECK(lab->errors[5].mean ==
        doctest::Approx(pointErrors(direct.states[5], ref).mean).epsilon(1e-3));
  CHECK(lab->errors[5].mean > 0.0);
  // Then the study of the same model: every fixed-step solver at N = 1 … 100.
  {
    const auto until = std::chrono::steady_clock::now() + kPatience;
    while (!worker.frame()->labStudy && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(5ms);
    const auto study = worker.frame()->labStudy;
    REQUIRE(study);
    CHECK(study->rows.size() == 4 * 7);
    CHECK(study->orders.size() == 4);
    CHECK(study->rows.front().nfe == 1);  // Euler, one step
  }

  // Training goes on: the lab keeps its model.
  source.set(makeSnapshot(2, 9));
  REQUIRE(waitForModelVersion(worker, 2));
  CHECK(worker.frame()->lab->stamp.snapshotVersion == 1);
  // Another solver: recomputed with the same model and the same start points.
  r.lab.solver = SolverConfig::euler(3);
  worker.setRequest(r);
  lab = waitForLab(worker, r.lab, 1);
  REQUIRE(lab);
  CHECK(lab->steps() == 3);
  CHECK((lab->run.states[0] - x0).cwiseAbs().maxCoeff() == 0.0f);
  // Placed start points come first.
  r.lab.seeds = {2.5f, -1.0f, 0.5f, 0.25f};
  worker.setRequest(r);
  lab = waitForLab(worker, r.lab, 1);
  REQUIRE(lab);
  REQUIRE(lab->run.states[0].cols() == 3002);
  CHECK(lab->run.states[0](0, 0) == 2.5f);
  CHECK(lab->run.states[0](1, 1) == 0.25f);
  CHECK((lab->run.states[0].rightCols(3000) - x0).cwiseAbs().maxCoeff() == 0.0f);
  r.lab.seeds.clear();
  // "Take the newest model".
  r.lab.epoch = 2;
  worker.setRequest(r);
  lab = waitForLab(worker, r.lab, 2);
  REQUIRE(lab);
  CHECK(lab->stamp.snapshotVersion == 2);

  // Normalising: from target samples at t = 1 to 0 with the ledger, and the exact log density.
  r.lab.direction = FlowDirection::Normalize;
  r.lab.solver = SolverConfig::rk4(8);
  worker.setRequest(r);
  lab = waitForLab(worker, r.lab, 2);
  REQUIRE(lab);
  REQUIRE(lab->run.ledger.size() == 9);
  CHECK(lab->run.times.back() == 0.0);
  REQUIRE(lab->exactLogDensity.cols() == 7);
  const PointRow ledger = ledgerLogDensity(lab->run);
  for (int i = 0; i < 7; ++i)
    CHECK(ledger(i) == doctest::Approx(lab->exactLogDensity(i)).epsilon(0.05));

  // Off: the layer goes.
  r.lab.on = false;
  worker.setRequest(r);
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (worker.frame()->lab && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(5ms);
  CHECK_FALSE(worker.frame()->lab);
}

TEST_CASE("view worker: the solver lab solves the stage asked for (rectified flow's rounds)") {
  // Two stages: the first from seed 5, the second (being trained) from seed 9.
  auto two = std::make_shared<Snapshot>(*makeSnapshot(1, 9));
  auto model = std::make_shared<Model>(*two->model);
  model->stages.insert(model->stages.begin(), makeSnapshot(1, 5)->model->stages[0]);
  two->model = model;
  two->stage = 1;
  Source source;
  source.set(two);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest r = smallRequest();
  r.particles = r.paths = r.density = r.divergence = r.field = false;
  r.lab.on = true;
  r.lab.solver = SolverConfig::rk4(3);
  r.lab.particles = 200;
  r.lab.highlighted = 2;
  r.lab.epoch = 1;
  Points x0(2, 200);
  Rng(r.lab.seed).fillNormal(x0);
  for (int stage : {0, -1}) {
    r.lab.stage = stage;
    worker.setRequest(r);
    const auto lab = waitForLab(worker, r.lab, 1);
    REQUIRE(lab);
    const ParamVec& params = model->stages[stage == 0 ? 0 : 1].params;
    FlowEvaluator flow(model->config, params);
    const SolverRun direct = runSolver(flow.velocityFn(), x0, 0.0, 1.0, r.lab.solver, 0);
    CAPTURE(stage);
    CHECK((lab->run.states.back() - direct.states.back()).cwiseAbs().maxCoeff() < 1e-5f);
  }
}

namespace {

// Two stages of a rectified flow: the first finished (seed 5, 300 steps), the second training
// (seed 9, step 120).
std::shared_ptr<Snapshot> twoStageRectifiedFlow() {
  auto two = std::make_shared<Snapshot>(*makeSnapshot(1, 9, Method::RectifiedFlow));
  auto model = std::make_shared<Model>(*two->model);
  model->stages.insert(model->stages.begin(),
                       makeSnapshot(1, 5, Method::RectifiedFlow)->model->stages[0]);
  model->stages[0].stepsTrained = 300;
  two->model = model;
  two->stage = 1;
  two->step = 120;
  return two;
}

// The stages side by side only, `particles` base points carried in `knots` RK4 steps.
ViewRequest compareRequest(int particles, int knots) {
  ViewRequest r = smallRequest();
  r.particles = r.paths = r.density = r.divergence = r.field = false;
  r.compare.on = true;
  r.compare.particles = particles;
  r.compare.knots = knots;
  return r;
}

}  // namespace

TEST_CASE(
    "view worker: stages side by side carry the same base points, each with its own weights "
    "and figures; a finished stage is not recomputed") {
  const auto two = twoStageRectifiedFlow();
  const auto& model = two->model;
  Source source;
  source.set(two);
  ViewWorker worker([&] { return source(); }, testOptions());
  const ViewRequest r = compareRequest(150, 4);
  worker.setRequest(r);
  std::shared_ptr<const CompareLayer> layer;
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    layer = worker.frame()->compare;
    if (layer && layer->panels.size() == 2) break;
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(layer);
  REQUIRE(layer->panels.size() == 2);
  Points x0(2, 150);
  Rng(r.compare.seed).fillNormal(x0);
  for (int k = 0; k < 2; ++k) {
    const ComparePanel& p = layer->panels[std::size_t(k)];
    CAPTURE(k);
    CHECK(p.name == (k == 0 ? "1-RF" : "2-RF"));
    CHECK(p.training == (k == 1));
    CHECK(p.trainingSteps == (k == 0 ? 300 : 120));
    REQUIRE(p.table);
    CHECK(p.table->start == x0);  // the same base points in every panel
    Points x = x0;
    FlowEvaluator flow(model->config, model->stages[std::size_t(k)].params);
    flow.sample(x, SolverConfig::rk4(4));
    CHECK((p.table->positions.back() - x).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK(std::isfinite(p.figures.w2Rk4));
    CHECK(std::isfinite(p.figures.straightness));
    REQUIRE(p.crossingPaths);  // the columns whose paths cross another's
    for (int c : *p.crossingPaths) CHECK(c < EntryMeasurement::kCrossingPaths);
    REQUIRE(p.couplingEnds);  // 1-RF: independent pairs; 2-RF: the pairs of 1-RF's flow
    CHECK(p.couplingEnds->cols() == EntryMeasurement::kCrossingPaths);
  }
  CHECK(layer->otLowerBound > 0.0);
  // New weights for the training stage: its panel is measured again, the finished one kept.
  auto next = std::make_shared<Snapshot>(*two);
  next->version = 2;
  source.set(next);
  std::this_thread::sleep_for(std::chrono::duration<double>(CompareJob::kRefreshSeconds + 0.5));
  const auto again = worker.frame()->compare;
  REQUIRE(again);
  REQUIRE(again->panels.size() == 2);
  CHECK(again->panels[0].table == layer->panels[0].table);  // the same object: not recomputed
}

TEST_CASE("view worker: looking back to an earlier stage, the stages side by side end there") {
  const auto two = twoStageRectifiedFlow();
  const auto& model = two->model;
  Source source;
  source.set(two);
  ViewWorker worker([&] { return source(); }, testOptions());
  const ViewRequest r = compareRequest(50, 2);
  worker.setRequest(r);
  auto panels = [&](std::size_t count) {
    const auto until = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < until) {
      const auto layer = worker.frame()->compare;
      if (layer && layer->panels.size() == count) return layer;
      std::this_thread::sleep_for(5ms);
    }
    return worker.frame()->compare;
  };
  REQUIRE(panels(2));
  // The first stage as it was early on: other weights (seed 11).
  const ParamVec early = makeSnapshot(1, 11, Method::RectifiedFlow)->model->stages[0].params;
  source.set(historicalSnapshot(*two, HistoryEntry{0, 10, 10, std::make_shared<ParamVec>(early)}));
  const auto past = panels(1);
  REQUIRE(past);
  REQUIRE(past->panels.size() == 1);
  const auto until = std::chrono::steady_clock::now() + kPatience;
  Points x(2, 50);
  Rng(r.compare.seed).fillNormal(x);
  FlowEvaluator(model->config, early).sample(x, SolverConfig::rk4(2));
  auto shown = worker.frame()->compare;
  while ((shown->panels[0].table->positions.back() - x).cwiseAbs().maxCoeff() > 1e-5f &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
    shown = worker.frame()->compare;
  }
  CHECK((shown->panels[0].table->positions.back() - x).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("view worker: a past model, drawn on every core, matches a direct computation") {
  const auto live = makeSnapshot(5, 7);
  Source source;
  source.set(live);
  ViewWorker worker([&] { return source(); }, testOptions());
  ViewRequest req = smallRequest();
  req.particleCount = 2000;  // several columns per thread
  worker.setRequest(req);
  REQUIRE(waitForModelVersion(worker, 5));
  // Back to an earlier model (other weights): every layer is recomputed from them.
  const ParamVec early = makeSnapshot(1, 11)->model->stages[0].params;
  const auto past =
      historicalSnapshot(*live, HistoryEntry{0, 10, 10, std::make_shared<ParamVec>(early)});
  source.set(past);
  REQUIRE(waitForModelVersion(worker, past->version));
  const auto frame = worker.frame();
  const TrainerConfig& config = live->model->config;
  Points x1 = frame->particles->start;
  FlowEvaluator(config, early).sample(x1, SolverConfig::rk4(6));
  CHECK((frame->particles->positions.back() - x1).cwiseAbs().maxCoeff() < 1e-4f);
  DensityGridSpec spec;
  spec.width = 12;
  spec.height = 10;
  spec.box = req.heatmapBox;
  spec.t = 0.5;
  spec.solver = SolverConfig::rk4(3);
  const DensityGrid direct = computeLogDensityGrid(config, early, spec);
  REQUIRE(frame->density->grid.values.size() == direct.values.size());
  for (std::size_t i = 0; i < direct.values.size(); ++i)
    CHECK(frame->density->grid.values[i] == doctest::Approx(direct.values[i]).epsilon(1e-4));
}

TEST_CASE(
    "view worker: methods side by side: a panel per method (rf a panel per round) on the same "
    "base points, each its own weights, steps/s and wall time") {
  ComparisonPlan plan;
  plan.methods = {Method::FlowMatching, Method::RectifiedFlow};
  plan.steps = 30;
  plan.seed = 3;
  plan.reflowPairs = 400;
  MethodRace race(plan, makeBuiltinTarget("moons"));
  const auto main = makeSnapshot(1, 7);  // the app's own model: not among the panels
  ViewWorker worker([&] { return main; }, testOptions(), [&] { return race.snapshots(); });
  ViewRequest r = compareRequest(80, 2);
  r.compare.methods = true;
  r.compare.race = 1;
  worker.setRequest(r);
  std::vector<std::shared_ptr<const Snapshot>> finished;
  std::shared_ptr<const CompareLayer> layer;
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    finished = race.snapshots();
    layer = worker.frame()->compare;
    const bool done = std::all_of(finished.begin(), finished.end(), [](const auto& s) {
      return s->status == TrainerStatus::Finished;
    });
    if (done && layer && layer->panels.size() == 3 &&
        std::none_of(layer->panels.begin(), layer->panels.end(),
                     [](const ComparePanel& p) { return p.training; }))
      break;
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(layer);
  REQUIRE(layer->panels.size() == 3);
  const char* names[] = {"fm", "rf 1-RF", "rf 2-RF"};
  const Snapshot* owner[] = {finished[0].get(), finished[1].get(), finished[1].get()};
  Points x0(2, 80);
  Rng(r.compare.seed).fillNormal(x0);
  for (int k = 0; k < 3; ++k) {
    const ComparePanel& p = layer->panels[std::size_t(k)];
    CAPTURE(k);
    CHECK(p.name == names[k]);
    CHECK(p.table->start == x0);
    const Model& model = *owner[k]->model;
    Points x = x0;
    FlowEvaluator(model.config, model.stages[std::size_t(p.stage)].params)
        .sample(x, SolverConfig::rk4(2));
    CHECK((p.table->positions.back() - x).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK(p.trainingSteps == 30);
    CHECK(p.stepsPerSecond > 0.0);
    CHECK(p.wallSeconds > 0.0);
    CHECK(std::isfinite(p.figures.w2Rk4));
  }
  CHECK(layer->panels[2].wallSeconds > layer->panels[1].wallSeconds);  // 2-RF came after 1-RF
}
