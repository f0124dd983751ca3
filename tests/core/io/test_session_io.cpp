// Tests of session files: a session saved mid-training and opened again trains on to the same
// bytes as a run never interrupted (every method, across a reflow stage); targets, charts and
// view settings come back exactly; hostile files get one message naming the file; a process
// killed while saving never damages either file.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/io/session_io.hpp"
#include "core/targets/points_target.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::core;
namespace fs = std::filesystem;

using flowlab::testing::tempPath;

namespace {

TrainerConfig smallConfig(Method m) {
  TrainerConfig c = defaultConfig(m);
  c.steps = 40;
  c.seed = 5;
  c.mlp.hidden = 16;
  c.mlp.layers = 2;
  c.couplingLayers = 4;
  c.reflowPairs = 2000;
  c.threads = 2;
  return c;
}

// Steps `session` until `total` steps were taken or it is finished (changing stage as needed).
void trainUntil(TrainingSession& session, long total) {
  while (session.totalSteps() < total) {
    if (session.stageDone()) {
      if (session.finished()) return;
      REQUIRE(session.advanceStage());
    }
    session.step();
  }
}

bool sameBytes(const ParamVec& a, const ParamVec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string loadError(const std::string& path) {
  try {
    loadSession(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a session saved mid-training resumes to the same bytes as an unbroken run") {
  for (Method m : {Method::FlowMatching, Method::OtCfm, Method::RectifiedFlow, Method::Cnf,
                   Method::ReverseKl, Method::RealNvp}) {
    CAPTURE(methodName(m));
    TrainerConfig c = smallConfig(m);
    if (m == Method::RectifiedFlow) c.reflow = 1;
    const auto target = makeBuiltinTarget("moons");
    TrainingSession unbroken(c, target);
    const long total = m == Method::RectifiedFlow ? 80 : 40;
    trainUntil(unbroken, total);
    // Stop in the first stage (and for rf also in the reflow stage), save, open, train on.
    for (const long stopAt : {long{17}, m == Method::RectifiedFlow ? long{57} : long{33}}) {
      CAPTURE(stopAt);
      TrainingSession first(c, target);
      trainUntil(first, stopAt);
      Session saved;
      saved.target = target;
      saved.training = first.checkpoint();
      const std::string path = tempPath("resume.flowlab");
      saveSession(saved, path);
      const Session opened = loadSession(path);
      TrainingSession resumed(opened.training, opened.target);
      CHECK(resumed.totalSteps() == stopAt);
      CHECK(resumed.stage() == first.stage());
      trainUntil(resumed, total);
      CHECK(resumed.finished());
      const Model a = unbroken.model(), b = resumed.model();
      REQUIRE(a.stages.size() == b.stages.size());
      for (std::size_t k = 0; k < a.stages.size(); ++k)
        CHECK(sameBytes(a.stages[k].params, b.stages[k].params));
      // The comparison can fail: one step fewer differs.
      TrainingSession shorter(opened.training, opened.target);
      trainUntil(shorter, total - 1);
      CHECK_FALSE(sameBytes(shorter.params(), unbroken.params()));
      fs::remove(path);
    }
  }
}

TEST_CASE("a session keeps a painted grid, imported points, the charts and the view exactly") {
  std::vector<float> weights(12 * 7);
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = float(i % 5) * 0.37f;
  const auto grid = std::make_shared<ImageTarget>(12, 7, weights, Box{-3, -2, 4, 5}, "painted");
  Points pts(2, 5);
  pts << 0.1f, 1.5f, -2.25f, 3.0f, 0.7f, 1.0f, -1.0f, 0.5f, 2.0f, -0.3f;
  const auto points = std::make_shared<PointsTarget>(pts, 0.4, "points");
  TrainingSession training(smallConfig(Method::FlowMatching), grid);
  trainUntil(training, 5);
  Session s;
  s.training = training.checkpoint();
  s.loss = {{1, 0.5f}, {2, 0.25f}, {3, 0.125f}};
  MetricSample metric;
  metric.step = 3;
  metric.w2 = 0.75;
  metric.nfe = 12;
  s.metrics = {metric};
  s.view = R"({"camera":{"zoom":2.5},"layers":["particles"]})";
  s.history = {{0, 1, 1, std::make_shared<ParamVec>(training.params() * 0.5f)},
               {0, 4, 4, std::make_shared<ParamVec>(training.params())}};
  s.historyGrowth = {1.21};
  const std::string path = tempPath("targets.flowlab");
  for (const std::shared_ptr<const Target>& t :
       {std::shared_ptr<const Target>(grid), std::shared_ptr<const Target>(points)}) {
    s.target = t;
    saveSession(s, path);
    const Session o = loadSession(path);
    if (const auto* g = dynamic_cast<const ImageTarget*>(o.target.get())) {
      CHECK(g->weights() == weights);
      CHECK(g->width() == 12);
      CHECK(g->bounds().x1 == 4.0);
    } else {
      const auto* p = dynamic_cast<const PointsTarget*>(o.target.get());
      REQUIRE(p != nullptr);
      CHECK(p->points() == pts);
      CHECK(p->bandwidth() == 0.4);
    }
    REQUIRE(o.loss.size() == 3);
    CHECK(o.loss[2].step == 3);
    CHECK(o.loss[2].loss == 0.125f);
    REQUIRE(o.metrics.size() == 1);
    CHECK(o.metrics[0].w2 == 0.75);
    CHECK(std::isnan(o.metrics[0].nll));
    CHECK(o.metrics[0].nfe == 12);
    CHECK(o.view == R"({"camera":{"zoom":2.5},"layers":["particles"]})");
    REQUIRE(o.history.size() == 2);
    CHECK(o.history[1].step == 4);
    CHECK(*o.history[0].params == *s.history[0].params);
    CHECK(o.historyGrowth == std::vector<double>{1.21});
    CHECK(o.flowlabVersion.size() > 0);
    CHECK(o.kernels.size() > 0);
    CHECK(o.savedAt.size() == 20);
  }
  // Every command that reads a model reads a session's.
  const Model m = loadModel(path);
  CHECK(sameBytes(m.stages.back().params, training.params()));
  fs::remove(path);
}

TEST_CASE("hostile session files: one message naming the file and the problem") {
  const auto target = makeBuiltinTarget("8gaussians");
  TrainingSession training(smallConfig(Method::FlowMatching), target);
  Session s;
  s.target = target;
  s.training = training.checkpoint();
  const std::string path = tempPath("hostile.flowlab");
  saveSession(s, path);
  const std::string good = readTextFile(path);
  const auto edited = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    writeText(path, text);
    return loadError(path);
  };
  CHECK(edited("\"version\": 1", "\"version\": 7").find("needs a newer flowlab") !=
        std::string::npos);
  CHECK(edited("\"flowlab-session\"", "\"flowlab-other\"").find("not a flowlab session") !=
        std::string::npos);
  CHECK(edited("\"kind\": \"builtin\"", "\"kind\": \"bogus\"").find("unknown target kind") !=
        std::string::npos);
  CHECK(edited("\"8gaussians\"", "\"9gaussians\"").find("unknown target") != std::string::npos);
  CHECK(edited("\"total_steps\": 0", "\"total_steps\": -1").find("total_steps") !=
        std::string::npos);
  CHECK(edited("\"view\": {}", "\"view\": []").find("\"view\" must be an object") !=
        std::string::npos);
  CHECK(edited("\"growth\": []", "\"growth\": [0.5]").find("above 1") != std::string::npos);
  CHECK(edited("\"m\": \"", "\"m\": \"!!!!").find("base64") != std::string::npos);
  CHECK(edited("\"m\": \"", "\"m\": \"AAAA").find("values") != std::string::npos);
  writeText(path, good.substr(0, good.size() / 2));
  CHECK(loadError(path).find("invalid JSON") != std::string::npos);
  writeText(path, "");
  CHECK(loadError(path).rfind(path, 0) == 0);
  // Each message starts with the file's name.
  writeText(path, "{\"format\": \"flowlab-session\", \"version\": 1}");
  CHECK(loadError(path).rfind(path + ": ", 0) == 0);
  fs::remove(path);
}

TEST_CASE("kill -9 during a save loop, 100 times: the session and the recovery file always load") {
  const auto target = makeBuiltinTarget("moons");
  TrainingSession training(smallConfig(Method::RectifiedFlow), target);
  trainUntil(training, 10);
  Session s;
  s.target = target;
  s.training = training.checkpoint();
  s.loss.assign(20000, LossSample{1, 0.5f});  // a file of the size the app writes (~0.7 MB)
  const std::string session = tempPath("kill.flowlab"),
                    recovery = tempPath("kill-recovery.flowlab");
  saveSession(s, session);
  saveSession(s, recovery);
  // Kills land anywhere in the loop: up to two saves' time in (a sanitizer build saves slower).
  // At least 100 of them, and more until 10 landed mid-write (a sanitizer build spends most of a
  // save building the JSON in memory, where a kill cannot damage anything).
  const auto start = std::chrono::steady_clock::now();
  saveSession(s, session);
  const auto oneSave = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
  std::mt19937 delays(42);
  int loads = 0, interrupted = 0;
  const auto temporaries = [] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(flowlab::testing::tempDir()))
      if (e.path().filename().string().rfind("kill", 0) == 0 &&
          e.path().string().find(".tmp") != std::string::npos)
        ++n;
    return n;
  };
  int rounds = 0;
  for (; rounds < 100 || (interrupted < 10 && rounds < 2000); ++rounds) {
    // The delay counts from the child's first save, not from fork(), which a sanitizer build
    // (copying its large shadow mappings) can make slower than several saves.
    int started[2];
    REQUIRE(::pipe(started) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the autosave loop: both files, over and over, until killed
      ::close(started[0]);
      const char go = 1;
      if (::write(started[1], &go, 1) != 1) ::_exit(1);
      for (;;) {
        saveSession(s, session);
        saveSession(s, recovery);
      }
    }
    ::close(started[1]);
    char go = 0;
    CHECK(::read(started[0], &go, 1) == 1);
    ::close(started[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(delays() % (4 * oneSave + 1)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    if (temporaries() > 0) ++interrupted;  // killed in the middle of a write
    for (const std::string& path : {session, recovery}) {
      const Session opened = loadSession(path);  // throws (failing the test) if damaged
      CHECK(opened.training.totalSteps == 10);
      ++loads;
    }
  }
  CAPTURE(rounds);
  CAPTURE(interrupted);
  CHECK(loads == 2 * rounds);
  CHECK(interrupted >= 10);  // the kills did land mid-write
  // The temporary files the kills left are swept by the next write.
  saveSession(s, session);
  saveSession(s, recovery);
  CHECK(temporaries() == 0);
  fs::remove(session);
  fs::remove(recovery);
}
