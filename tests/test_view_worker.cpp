// The view worker: layers agree with direct computations from the same weights, particles are
// cached on a t-grid (moving t recomputes nothing), new weights refresh them, and the cached
// interpolation is exact on straight paths.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "core/flow.hpp"
#include "core/training_session.hpp"
#include "core/view_worker.hpp"

using namespace flowlab::core;
using namespace std::chrono_literals;

namespace {

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
  table.valid = 2;
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
  CHECK(p.valid == 600);
  REQUIRE(p.times.size() == 7);
  CHECK((p.positions.front() - p.start).cwiseAbs().maxCoeff() == 0.0f);
  Points x1 = p.start;
  FlowEvaluator flow(config, params);
  flow.sample(x1, SolverConfig{Solver::RK4, 6, 1e-5, 1e-5, 100000});
  CHECK((p.positions.back() - x1).cwiseAbs().maxCoeff() < 1e-4f);
  CHECK(p.newest.snapshotVersion == 1);

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
  spec.solver = SolverConfig{Solver::RK4, 3, 1e-5, 1e-5, 100000};  // ceil(6 · 0.5)
  spec.threads = 1;
  const DensityGrid direct = computeLogDensityGrid(config, params, spec);
  REQUIRE(frame->density->grid.values.size() == direct.values.size());
  for (std::size_t i = 0; i < direct.values.size(); ++i)
    CHECK(frame->density->grid.values[i] == doctest::Approx(direct.values[i]).epsilon(1e-4));
  CHECK(frame->density->complete);
  const DensityGrid div = computeDivergenceGrid(config, params, spec);
  for (std::size_t i = 0; i < div.values.size(); ++i)
    CHECK(frame->divergence->grid.values[i] == doctest::Approx(div.values[i]).epsilon(1e-4));

  // Warped grid: 2 · lines · perLine vertices; target layers present.
  CHECK(frame->grid->count() == 2 * 5 * 9);
  CHECK(frame->targetSamples->cols() == 300);
  CHECK(frame->targetDensity->grid.values.size() == 120);
}

TEST_CASE("view worker: moving t reuses the particle cache; new weights refresh it") {
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
  std::this_thread::sleep_for(50ms);
  REQUIRE(worker.waitUntilUpToDate(60s));
  const auto fresh = worker.frame();
  CHECK(fresh->particles->newest.snapshotVersion == 2);
  CHECK(fresh->particles->oldest.snapshotVersion == 2);
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
  flow.logDensity(p.start, SolverConfig{Solver::RK4, 6, 1e-5, 1e-5, 100000}, logp);
  CHECK((p.logDensity.back() - logp).cwiseAbs().maxCoeff() < 1e-3f);
}

TEST_CASE("view worker: RealNVP has no field; particles are the t = 1 samples") {
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
