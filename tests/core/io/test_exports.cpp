// Exports for other tools: each file holds what was given, in the documented layout — CSV
// headers and rows, .npy dtype, shape and values (little-endian, C order).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/io/exports.hpp"
#include "core/io/file_io.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::core;

using flowlab::testing::tempPath;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The header dictionary and the payload of an .npy file.
std::pair<std::string, std::string> npyParts(const std::string& bytes) {
  REQUIRE(bytes.size() >= 10);
  REQUIRE(bytes.compare(0, 6, "\x93NUMPY") == 0);
  const std::size_t headerLength = std::size_t(static_cast<unsigned char>(bytes[8])) |
                                   (std::size_t(static_cast<unsigned char>(bytes[9])) << 8);
  return {bytes.substr(10, headerLength), bytes.substr(10 + headerLength)};
}

template <class T>
std::vector<T> values(const std::string& payload) {
  std::vector<T> v(payload.size() / sizeof(T));
  std::memcpy(v.data(), payload.data(), v.size() * sizeof(T));
  return v;
}

}  // namespace

TEST_CASE("loss and metric histories: CSV rows and .npy float64 tables") {
  const std::vector<LossSample> loss = {{1, 0.5f}, {2, 0.25f}, {10, 0.125f}};
  const std::string csv = tempPath("loss.csv"), npy = tempPath("loss.npy");
  writeLossFile(csv, loss);
  const auto rows = lines(readTextFile(csv));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == "step,loss");
  CHECK(rows[3] == "10,0.125");
  writeLossFile(npy, loss);
  const auto [header, payload] = npyParts(readBinaryFile(npy, 1 << 20));
  CHECK(header.find("'descr': '<f8'") != std::string::npos);
  CHECK(header.find("'shape': (3, 2)") != std::string::npos);
  const auto v = values<double>(payload);
  REQUIRE(v.size() == 6);
  CHECK(v[4] == 10.0);
  CHECK(v[5] == 0.125);

  MetricSample m;
  m.step = 7;
  m.stage = 1;
  m.w2 = 0.25;
  m.nfe = 40;
  writeMetricsFile(csv, {m});
  const auto metricRows = lines(readTextFile(csv));
  REQUIRE(metricRows.size() == 2);
  CHECK(metricRows[0] == "step,stage,w2,w2_floor,nll,nll_train_solver,straightness,nfe");
  CHECK(metricRows[1] == "7,2,0.25,,,,,40");  // stages counted from 1; empty where none
  writeMetricsFile(npy, {m});
  const auto [mh, mp] = npyParts(readBinaryFile(npy, 1 << 20));
  CHECK(mh.find("'shape': (1, 8)") != std::string::npos);
  const auto mv = values<double>(mp);
  REQUIRE(mv.size() == 8);
  CHECK(mv[1] == 2.0);
  CHECK(std::isnan(mv[4]));
  CHECK(mv[7] == 40.0);
}

TEST_CASE("grids: CSV at cell centres bottom row first, .npy H x W with row 0 at the bottom") {
  DensityGrid g;
  g.width = 3;
  g.height = 2;
  g.box = {0, 0, 3, 2};
  g.values = {0, 1, 2, 10, 11, 12};  // row 0 (y in [0, 1)) then row 1
  const std::string csv = tempPath("grid.csv"), npy = tempPath("grid.npy");
  writeGridFile(csv, g, "div");
  const auto rows = lines(readTextFile(csv));
  REQUIRE(rows.size() == 7);
  CHECK(rows[0] == "x,y,div");
  CHECK(rows[1] == "0.5,0.5,0");
  CHECK(rows[6] == "2.5,1.5,12");
  writeGridFile(npy, g, "div");
  const auto [header, payload] = npyParts(readBinaryFile(npy, 1 << 20));
  CHECK(header.find("'shape': (2, 3)") != std::string::npos);
  CHECK(values<float>(payload) == std::vector<float>{0, 1, 2, 10, 11, 12});
}

TEST_CASE("points and trajectories: N x 2 and K x N x 2") {
  Points a(2, 2), b(2, 2);
  a << 1, 2, 3, 4;
  b << 5, 6, 7, 8;
  const std::string npy = tempPath("paths.npy"), csv = tempPath("paths.csv");
  writeTrajectoryFile(npy, {0.0, 1.0}, {a, b});
  const auto [header, payload] = npyParts(readBinaryFile(npy, 1 << 20));
  CHECK(header.find("'shape': (2, 2, 2)") != std::string::npos);
  // [k][i][xy]: a's point 1 is (2, 4).
  CHECK(values<float>(payload) == std::vector<float>{1, 3, 2, 4, 5, 7, 6, 8});
  writeTrajectoryFile(csv, {0.0, 1.0}, {a, b});
  const auto rows = lines(readTextFile(csv));
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == "point,t,x,y");
  CHECK(rows[2] == "0,1,5,7");
  writePointsFile(npy, a);
  CHECK(npyParts(readBinaryFile(npy, 1 << 20)).first.find("'shape': (2, 2)") != std::string::npos);
  CHECK(isTableExportPath("x.npy"));
  CHECK(isTableExportPath("x.csv"));
  CHECK_FALSE(isTableExportPath("x.png"));
}
