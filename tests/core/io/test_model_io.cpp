// Model files: exact round trip of every stage and config field; every kind of bad file gets a
// message naming the file and the problem.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/io/file_io.hpp"
#include "core/io/model_io.hpp"
#include "core/training/training_session.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::core;

using flowlab::testing::tempPath;

namespace {

Model sampleModel() {
  Model m;
  m.config.method = Method::RectifiedFlow;
  m.config.mlp.hidden = 8;
  m.config.mlp.layers = 2;
  m.config.mlp.activation = Activation::Tanh;
  m.config.mlp.fourierFrequencies = 2;
  m.config.adam.learningRate = 3e-3;
  m.config.schedule = LrSchedule::Cosine;
  m.config.reflow = 1;
  m.config.seed = 1234567890123ull;
  m.config.cnf.solver = SolverConfig{Solver::Dopri5, 8, 1e-4, 1e-6, 5000};
  m.target = "moons";
  Rng rng(5);
  for (int k = 0; k < 2; ++k) {
    Stage s;
    initialParameters(m.config, s.params, rng);
    s.stepsTrained = 100 + k;
    s.finalLoss = 0.25 * (k + 1);
    m.stages.push_back(s);
  }
  return m;
}

std::string loadError(const std::string& text) {
  const std::string path = tempPath("bad.json");
  writeFileAtomically(path, text);
  try {
    loadModel(path);
  } catch (const std::runtime_error& e) {
    std::remove(path.c_str());
    return e.what();
  }
  std::remove(path.c_str());
  return "";
}

}  // namespace

TEST_CASE("a model file round-trips every stage bit for bit") {
  const Model m = sampleModel();
  const std::string path = tempPath("model.json");
  saveModel(m, path);
  const Model back = loadModel(path);
  std::remove(path.c_str());
  CHECK(back.config == m.config);
  CHECK(back.target == m.target);
  REQUIRE(back.stages.size() == 2);
  for (int k = 0; k < 2; ++k) {
    CHECK((back.stages[k].params - m.stages[k].params).cwiseAbs().maxCoeff() == 0.0f);
    CHECK(back.stages[k].stepsTrained == m.stages[k].stepsTrained);
    CHECK(back.stages[k].finalLoss == doctest::Approx(m.stages[k].finalLoss));
  }
}

TEST_CASE("bad model files are rejected with a message naming the problem") {
  CHECK(loadError("").find("invalid JSON") != std::string::npos);
  CHECK(loadError("{\"format\": \"something\"}").find("not a flowlab model") != std::string::npos);
  CHECK(loadError("[1,2,3]").find("not a flowlab model") != std::string::npos);

  const std::string path = tempPath("good.json");
  saveModel(sampleModel(), path);
  const std::string good = readTextFile(path);
  std::remove(path.c_str());
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    const auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    return t.replace(at, from.size(), to);
  };
  CHECK(loadError(replaced("\"version\": 1", "\"version\": 99")).find("version 99") !=
        std::string::npos);
  CHECK(loadError(replaced("\"method\": \"rf\"", "\"method\": \"gan\"")).find("unknown method") !=
        std::string::npos);
  CHECK(loadError(replaced("\"hidden\": 8", "\"hidden\": 9")).find("parameters") !=
        std::string::npos);
  CHECK(loadError(replaced("\"hidden\": 8", "\"hidden\": -3")).find("hidden") != std::string::npos);
  CHECK(loadError(good.substr(0, good.size() / 2)).find("invalid JSON") != std::string::npos);
  // Numbers are taken as written or refused: never truncated, wrapped or left undefined.
  CHECK(loadError(replaced("\"layers\": 2", "\"layers\": 4294967298")).find("at most 64") !=
        std::string::npos);
  CHECK(loadError(replaced("\"hidden\": 8", "\"hidden\": 16.7")).find("integer") !=
        std::string::npos);
  CHECK(loadError(replaced("\"hidden\": 8", "\"hidden\": 1e30")).find("integer") !=
        std::string::npos);
  CHECK(loadError(replaced("\"version\": 1", "\"version\": 1.9")).find("integer") !=
        std::string::npos);
  CHECK(loadError(replaced("\"version\": 1", "\"version\": 1e999")).find("invalid JSON") !=
        std::string::npos);
  CHECK(loadError(replaced("\"trace\": \"exact\"", "\"trace\": \"bogus\"")).find("bogus") !=
        std::string::npos);
  CHECK(loadError(replaced("\"gradient\": \"backprop\"", "\"gradient\": \"x\"")).find("gradient") !=
        std::string::npos);
  CHECK(loadError(replaced("\"beta1\": 0.9", "\"beta1\": 2")).find("beta1") != std::string::npos);
  CHECK(loadError(replaced("\"eps\": 1e-08", "\"eps\": -1")).find("epsilon") != std::string::npos);
  const std::string missing = tempPath("does_not_exist.json");
  CHECK_THROWS_WITH_AS(loadModel(missing), doctest::Contains(missing.c_str()), std::runtime_error);
}

TEST_CASE("point CSV files are validated line by line") {
  const std::string path = tempPath("points.csv");
  auto parse = [&](const std::string& text) {
    writeFileAtomically(path, text);
    return readPointsCsv(path);
  };
  const Points p = parse("x,y\n1,2\n-3.5,4e-2\n");
  REQUIRE(p.cols() == 2);
  CHECK(p(0, 1) == doctest::Approx(-3.5));
  CHECK_THROWS_WITH(parse("a,b\n1,2\n"), doctest::Contains("header"));
  CHECK_THROWS_WITH(parse("x,y\n1,2\n3\n"), doctest::Contains("line 3"));
  CHECK_THROWS_WITH(parse("x,y\n1,nan\n"), doctest::Contains("line 2"));
  CHECK_THROWS_WITH(parse("x,y\n1,2,3\n"), doctest::Contains("line 2"));
  CHECK_THROWS_WITH(parse("x,y\n"), doctest::Contains("no points"));
  CHECK_THROWS_WITH(parse("x,y\n1e300,0\n"), doctest::Contains("beyond"));
  CHECK_THROWS_WITH(parse("x,y\n1e39,0\n"), doctest::Contains("line 2"));
  CHECK_THROWS_WITH(parse(""), doctest::Contains("empty"));
  std::remove(path.c_str());
}

TEST_CASE("atomic writes: through symbolic links, never over devices, pipes or folders") {
  namespace fs = std::filesystem;
  const std::string dir = tempPath("writes");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string real = dir + "/real.csv", link = dir + "/link.csv";
  writeFileAtomically(real, "old\n");
  fs::create_symlink("real.csv", link);
  writeFileAtomically(link, "new\n");
  CHECK(fs::is_symlink(fs::symlink_status(link)));  // the link is kept
  CHECK(readTextFile(real) == "new\n");             // ... and the file it names replaced
  const std::string fifo = dir + "/pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  CHECK_THROWS_WITH(writeFileAtomically(fifo, "x"), doctest::Contains("not a regular file"));
  CHECK(fs::is_fifo(fifo));
  CHECK_THROWS_WITH(writeFileAtomically(dir, "x"), doctest::Contains("not a regular file"));
  CHECK_THROWS_WITH(writeFileAtomically("/dev/null", "x"), doctest::Contains("not a regular"));
  // A temporary file a killed write left behind (no such process) goes with the next write.
  const std::string stale = real + ".tmp999999999";
  writeFileAtomically(stale, "half");
  writeFileAtomically(real, "again\n");
  CHECK_FALSE(fs::exists(stale));
  CHECK(readTextFile(real) == "again\n");
  fs::remove_all(dir);
}
