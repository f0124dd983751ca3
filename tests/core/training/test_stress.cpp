// Stress: the trainer thread, a view worker consuming its snapshots and the raster worker
// painting the view worker's frames, driven by two caller threads at once with thousands of
// random commands each (pause, step, step N, target swaps, live and resetting configs, resets,
// records and resumes, view and canvas requests), while a third thread observes.
//
// What it proves, for every interleaving the seeds produce:
//  - per observer (each caller and the observer thread), distinct snapshots come with strictly
//    increasing versions, and the view worker's frames and the raster worker's images likewise;
//  - every stage's parameters in every snapshot seen are finite;
//  - nothing deadlocks: every wait is bounded (a record is answered, a paused trainer lets the
//    view worker catch up, the last canvas request is painted), and a watchdog aborts the run
//    with the phase's name when a phase stalls longer than FLOWLAB_STRESS_PHASE_SECONDS (120);
//  - the destructors join promptly.
// The seeds are printed; FLOWLAB_STRESS_SEED=S repeats a run's commands (thread timing differs).
// FLOWLAB_STRESS_COMMANDS sets the commands per caller thread (default 5000, two threads).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/canvas/raster_worker.hpp"
#include "core/targets/points_target.hpp"
#include "core/training/trainer.hpp"
#include "core/view/view_worker.hpp"

using namespace flowlab::core;
using flowlab::app::RasterWorker;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

long envLong(const char* name, long fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtol(text, nullptr, 10) : fallback;
}

// The first failure seen by any thread (assertions stay on the test's thread).
class Failures {
 public:
  void add(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (count_++ == 0) first_ = what;
  }
  long count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::string first() const {
    std::lock_guard lock(mutex_);
    return first_;
  }

 private:
  mutable std::mutex mutex_;
  long count_ = 0;
  std::string first_;
};

// Aborts the process, naming the phase, when a phase runs past its bound without progress:
// a deadlock becomes a failed test with a message instead of a hung CI job.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds bound)
      : bound_(bound), thread_([this](std::stop_token stop) { run(stop); }) {}
  void phase(const char* name) {
    std::lock_guard lock(mutex_);
    phase_ = name;
    since_ = Clock::now();
  }
  void progress() {
    std::lock_guard lock(mutex_);
    since_ = Clock::now();
  }

 private:
  void run(std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(100ms);
      std::lock_guard lock(mutex_);
      if (Clock::now() - since_ > bound_) {
        std::fprintf(stderr, "stress watchdog: phase '%s' made no progress for %lld s\n", phase_,
                     static_cast<long long>(bound_.count()));
        std::fflush(stderr);
        std::_Exit(3);  // not abort(): no signal handler (doctest's) runs in a hung process
      }
    }
  }
  std::mutex mutex_;
  const char* phase_ = "setup";
  Clock::time_point since_ = Clock::now();
  const std::chrono::seconds bound_;
  std::jthread thread_;  // last
};

// Checks what one observer sees of the trainer: distinct snapshots have strictly increasing
// versions; every stage's parameters are finite.
class SnapshotObserver {
 public:
  SnapshotObserver(std::string who, Failures& failures)
      : who_(std::move(who)), failures_(failures) {}
  void see(const std::shared_ptr<const Snapshot>& snap) {
    if (!snap) return failures_.add(who_ + ": a null snapshot");
    if (snap == last_) return;
    if (last_ && snap->version <= last_->version)
      failures_.add(who_ + ": snapshot version " + std::to_string(snap->version) + " after " +
                    std::to_string(last_->version));
    if (snap->model)
      for (const Stage& stage : snap->model->stages)
        if (!stage.params.allFinite())
          failures_.add(who_ + ": non-finite parameters in snapshot " +
                        std::to_string(snap->version));
    last_ = snap;
    ++distinct_;
  }
  long distinct() const { return distinct_; }

 private:
  std::string who_;
  Failures& failures_;
  std::shared_ptr<const Snapshot> last_;
  long distinct_ = 0;
};

// The targets commands choose from: every built-in (built once: some use quadrature) plus small
// painted grids and point sets made on the fly.
std::vector<std::shared_ptr<const Target>> builtins() {
  std::vector<std::shared_ptr<const Target>> all;
  for (const TargetInfo& info : builtinTargets()) all.push_back(makeBuiltinTarget(info.name));
  return all;
}

std::shared_ptr<const Target> paintedTarget(std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const int w = 8, h = 6;
  std::vector<float> weights(w * h);
  for (float& x : weights) x = u(rng) < 0.3f ? u(rng) : 0.0f;
  weights[static_cast<std::size_t>(rng() % weights.size())] = 1.0f;  // never all zero
  return std::make_shared<ImageTarget>(w, h, std::move(weights), Box{-3, -2, 3, 2}, "painted");
}

std::shared_ptr<const Target> pointsTarget(std::mt19937_64& rng) {
  std::normal_distribution<float> n(0.0f, 1.5f);
  Points p(2, 5 + static_cast<Eigen::Index>(rng() % 20));
  for (Eigen::Index i = 0; i < p.cols(); ++i) p.col(i) << n(rng), n(rng);
  return std::make_shared<PointsTarget>(std::move(p), 0.3, "points");
}

// A small model of a random method: runs in milliseconds per step even under TSan; stages
// short enough that rectified flow reaches its reflow round and runs finish.
TrainerConfig randomConfig(std::mt19937_64& rng) {
  static constexpr Method kMethods[] = {Method::FlowMatching,  Method::OtCfm,
                                        Method::RectifiedFlow, Method::Cnf,
                                        Method::ReverseKl,     Method::RealNvp};
  TrainerConfig c = defaultConfig(kMethods[rng() % 6]);
  c.schedule = LrSchedule::Constant;
  c.mlp.hidden = 8 + 4 * static_cast<int>(rng() % 3);
  c.mlp.layers = 2;
  c.couplingLayers = 2 + static_cast<int>(rng() % 3);
  c.batch = 16 << (rng() % 3);
  c.steps = 50 + static_cast<long>(rng() % 600);
  c.reflow = 1;
  c.reflowPairs = 300 + static_cast<int>(rng() % 700);
  c.pairSolver.steps = 4;
  c.cnf.solver.steps = 2 + static_cast<int>(rng() % 3);
  c.seed = rng() % 1000;
  c.threads = 1;
  return c;
}

// A small view request with random layers on: every job of the view worker gets exercised.
ViewRequest randomRequest(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto coin = [&](double p) { return u(rng) < p; };
  ViewRequest r;
  r.t = u(rng);
  r.direction = coin(0.2) ? FlowDirection::Normalize : FlowDirection::Generate;
  r.seed = 1 + rng() % 3;
  r.particles = coin(0.8);
  r.particleCount = 50 + static_cast<int>(rng() % 300);
  r.particleLogDensity = coin(0.2);
  r.paths = coin(0.5);
  r.pathCount = 20;
  r.knots = 3 + static_cast<int>(rng() % 5);
  r.field = coin(0.5);
  r.fieldCols = r.fieldRows = 4 + static_cast<int>(rng() % 5);
  r.fieldBox = {-3, -3, 3, 3};
  r.streamlines = coin(0.2);
  r.streamlineSeeds = 3;
  r.density = coin(0.4);
  r.divergence = coin(0.2);
  r.heatmapWidth = r.heatmapHeight = 6 + static_cast<int>(rng() % 8);
  r.heatmapBox = {-3, -3, 3, 3};
  r.densitySteps = 3;
  r.warpedGrid = coin(0.3);
  r.gridLines = 4;
  r.gridPointsPerLine = 8;
  r.targetSamples = coin(0.5);
  r.targetSampleCount = 100;
  r.targetDensity = coin(0.3);
  r.lab.on = coin(0.1);
  r.lab.particles = 40;
  r.lab.highlighted = 4;
  r.lab.solver = SolverConfig::rk4(3);
  r.lab.epoch = rng() % 3;
  r.compare.on = !r.lab.on && coin(0.1);
  r.compare.particles = 60;
  r.compare.knots = 3;
  return r;
}

struct Rig {
  Trainer trainer;
  ViewWorker view;
  RasterWorker raster;
  explicit Rig(const TrainerConfig& config, std::shared_ptr<const Target> target)
      : trainer(config, std::move(target)),
        view([this] { return trainer.snapshot(); }, options()) {}
  static ViewWorker::Options options() {
    ViewWorker::Options o;
    o.lowPriority = false;  // tests share the machine with other suites
    return o;
  }
};

// One caller thread: `count` random commands, each followed by a short random pause so that
// training and view work interleave with them.
class Caller {
 public:
  Caller(Rig& rig, std::uint64_t seed, std::string name, Failures& failures, Watchdog& watchdog,
         const std::vector<std::shared_ptr<const Target>>& targets)
      : rig_(rig),
        rng_(seed),
        observer_(std::move(name), failures),
        failures_(failures),
        watchdog_(watchdog),
        targets_(targets),
        config_(randomConfig(rng_)) {}

  void run(long count, std::atomic<long>& issued) {
    for (long i = 0; i < count; ++i) {
      command();
      ++issued;
      watchdog_.progress();
      observer_.see(rig_.trainer.snapshot());
      std::this_thread::sleep_for(std::chrono::microseconds(rng_() % 1500));
    }
    for (auto& pending : records_) await(pending);
  }
  long distinct() const { return observer_.distinct(); }

 private:
  void command() {
    Trainer& t = rig_.trainer;
    switch (rng_() % 16) {
      case 0:
      case 1:
        return t.setPaused(rng_() % 3 == 0);
      case 2:
        return t.stepOnce(1);
      case 3:
        return t.stepOnce(1 + static_cast<long>(rng_() % 40));
      case 4:
        return t.setTarget(rng_() % 4 == 0   ? paintedTarget(rng_)
                           : rng_() % 4 == 0 ? pointsTarget(rng_)
                                             : targets_[rng_() % targets_.size()]);
      case 5:  // live: learning rate, batch, steps
        config_.adam.learningRate = 1e-4 * static_cast<double>(1 + rng_() % 50);
        config_.batch = 16 << (rng_() % 3);
        config_.steps = 50 + static_cast<long>(rng_() % 600);
        return t.submit(config_);
      case 6:  // a fresh model (method, network)
        config_ = randomConfig(rng_);
        return t.submit(config_);
      case 7:
        return t.reset();
      case 8:
        return record();
      case 9:
        return resume();
      case 10:
        return t.yieldUntil(Clock::now() + std::chrono::milliseconds(rng_() % 20));
      case 11:  // rarer than the others, so that view cycles complete between requests
        return rng_() % 2 == 0 ? rig_.view.setRequest(randomRequest(rng_)) : rig_.view.refresh();
      case 12:
      case 13:
      case 14:
        return paint();
      default: {
        const auto snap = t.snapshot();
        observer_.see(snap);
        observer_.see(t.waitForNewer(snap->version, std::chrono::milliseconds(rng_() % 30)));
      }
    }
  }

  void record() {
    records_.push_back(rig_.trainer.record());
    if (records_.size() > 4 || rng_() % 4 == 0) {
      await(records_.front());
      records_.erase(records_.begin());
    }
  }

  // A record is answered between steps (or once reflow pairs are made): within seconds.
  void await(std::future<TrainerRecord>& pending) {
    if (pending.wait_for(60s) != std::future_status::ready)
      return failures_.add("a record() was not answered within 60 s");
    try {
      saved_ = std::make_shared<const TrainerRecord>(pending.get());
    } catch (const std::runtime_error&) {
      // No model at that moment (a config that could not be built): allowed.
    }
  }

  void resume() {
    if (saved_ && rng_() % 2 == 0) rig_.trainer.resume(saved_);
  }

  void paint() {
    CanvasRequest request;
    request.frame = rig_.view.frame();
    request.t = request.frame->request.t;
    request.continuous = request.frame->continuous;
    request.box = {-3, -3, 3, 3};
    request.width = 32 + static_cast<int>(rng_() % 64);
    request.height = 24 + static_cast<int>(rng_() % 48);
    request.view.particleCount = 300;
    request.lab = request.frame->lab;
    request.compare = request.frame->compare;
    rig_.raster.request(std::move(request));
  }

  Rig& rig_;
  std::mt19937_64 rng_;
  SnapshotObserver observer_;
  Failures& failures_;
  Watchdog& watchdog_;
  const std::vector<std::shared_ptr<const Target>>& targets_;
  TrainerConfig config_;
  std::vector<std::future<TrainerRecord>> records_;
  std::shared_ptr<const TrainerRecord> saved_;
};

// The third observer: waits on the trainer's publications and reads the view worker's frames
// and the raster worker's images, checking each stream's order.
void observe(Rig& rig, std::stop_token stop, Failures& failures, long& distinct, long& frames) {
  SnapshotObserver snapshots("observer", failures);
  std::shared_ptr<const flowlab::core::ViewFrame> lastFrame;
  std::uint64_t lastImage = 0;
  while (!stop.stop_requested()) {
    const auto snap = rig.trainer.waitForNewer(rig.trainer.snapshot()->version, 20ms);
    snapshots.see(snap);
    const auto frame = rig.view.frame();
    if (!frame) return failures.add("a null frame");
    if (frame != lastFrame) {
      if (lastFrame && frame->version <= lastFrame->version)
        failures.add("frame version " + std::to_string(frame->version) + " after " +
                     std::to_string(lastFrame->version));
      if (frame->modelVersion > rig.trainer.snapshot()->version)
        failures.add("a frame drawn from a snapshot not yet published");
      lastFrame = frame;
      ++frames;
    }
    if (const auto image = rig.raster.latest()) {
      if (image->sequence < lastImage) failures.add("raster images out of order");
      lastImage = image->sequence;
    }
  }
  distinct = snapshots.distinct();
}

}  // namespace

TEST_CASE("two callers' random commands against live training, view and raster work") {
  const long perCaller = envLong("FLOWLAB_STRESS_COMMANDS", 5000);
  const std::uint64_t seed = static_cast<std::uint64_t>(
      envLong("FLOWLAB_STRESS_SEED", static_cast<long>(std::random_device{}() & 0x7fffffff)));
  const std::uint64_t seeds[2] = {seed, seed ^ 0x9e3779b97f4a7c15ULL};
  std::printf("stress: seeds %llu and %llu (FLOWLAB_STRESS_SEED=%llu repeats them), %ld commands\n",
              static_cast<unsigned long long>(seeds[0]), static_cast<unsigned long long>(seeds[1]),
              static_cast<unsigned long long>(seed), 2 * perCaller);
  std::fflush(stdout);
  Watchdog watchdog(std::chrono::seconds(envLong("FLOWLAB_STRESS_PHASE_SECONDS", 120)));
  Failures failures;
  const auto targets = builtins();
  std::mt19937_64 setupRng(seed);
  const auto start = Clock::now();
  auto rig = std::make_unique<Rig>(randomConfig(setupRng), targets[0]);

  watchdog.phase("commands");
  std::atomic<long> issued{0};
  long observed = 0, frames = 0;
  Caller a(*rig, seeds[0], "caller A", failures, watchdog, targets);
  Caller b(*rig, seeds[1], "caller B", failures, watchdog, targets);
  {
    std::jthread observer(
        [&](std::stop_token stop) { observe(*rig, stop, failures, observed, frames); });
    std::jthread callerA([&] { a.run(perCaller, issued); });
    std::jthread callerB([&] { b.run(perCaller, issued); });
    callerA.join();
    callerB.join();
    // Liveness after the storm: a paused trainer lets the view worker catch up with the newest
    // snapshot and request, and the last canvas request is painted.
    watchdog.phase("settle: the view worker catches up");
    rig->trainer.setPaused(true);
    rig->trainer.waitForNewer(rig->trainer.snapshot()->version, 2s);
    // A plain request: the stages side by side are measured in one piece per reset of their
    // samples (an exact OT bound on 2000 points: 0.5 s, half a minute under TSan), which is
    // not what this phase is about.
    ViewRequest plain;
    plain.particleCount = 200;
    plain.pathCount = 20;
    plain.fieldBox = plain.heatmapBox = {-3, -3, 3, 3};
    plain.heatmapWidth = plain.heatmapHeight = 8;
    rig->view.setRequest(plain);
    rig->view.refresh();
    const bool upToDate = rig->view.waitUntilUpToDate(120s);
    if (!upToDate) {
      std::printf("stress: the view worker is not up to date 120 s after training paused\n");
      std::fflush(stdout);
    }
    CHECK(upToDate);
    watchdog.phase("settle: the last canvas is painted");
    CanvasRequest last;
    last.frame = rig->view.frame();
    last.width = 40;
    last.height = 30;
    CHECK(rig->raster.waitFor(rig->raster.request(std::move(last)), 60s));
    // Training still answers: a fresh model of a known-good config trains.
    watchdog.phase("settle: a fresh model trains");
    TrainerConfig fresh = defaultConfig(Method::FlowMatching);
    fresh.mlp.hidden = 8;
    fresh.batch = 16;
    fresh.threads = 1;
    const std::uint64_t resets = rig->trainer.snapshot()->resets;
    rig->trainer.setTarget(targets[0]);
    rig->trainer.submit(fresh);
    rig->trainer.reset();
    rig->trainer.setPaused(false);
    auto snap = rig->trainer.snapshot();
    const auto until = Clock::now() + 60s;
    while (!(snap->resets > resets && snap->totalSteps > 10) && Clock::now() < until)
      snap = rig->trainer.waitForNewer(snap->version, 100ms);
    CHECK(snap->resets > resets);
    CHECK(snap->totalSteps > 10);
  }
  const double commandSeconds = std::chrono::duration<double>(Clock::now() - start).count();

  watchdog.phase("shutdown");
  const auto stopStart = Clock::now();
  rig.reset();
  const double stopSeconds = std::chrono::duration<double>(Clock::now() - stopStart).count();
  watchdog.phase("done");

  std::printf(
      "stress: %ld commands in %.1f s; %ld + %ld + %ld distinct snapshots seen (callers, "
      "observer), %ld frames; destructors joined in %.3f s\n",
      issued.load(), commandSeconds, a.distinct(), b.distinct(), observed, frames, stopSeconds);
  INFO("first failure: " << failures.first());
  CHECK(failures.count() == 0);
  CHECK(issued.load() == 2 * perCaller);
  CHECK(observed > 10);  // training went on and was published throughout
  CHECK(frames > 1);
  CHECK(stopSeconds < 30.0);  // a hang check, not a speed bar
}
