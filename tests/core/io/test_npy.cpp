// .npy files: what flowlab writes it reads back; every file it cannot read is refused with one
// message naming the file and the problem.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "core/io/file_io.hpp"
#include "core/io/npy.hpp"
#include "tests/temp_files.hpp"

using namespace flowlab::core;

using flowlab::testing::tempPath;

namespace {

// The message readNpyPoints gives for a file holding `bytes` ("" when it reads).
std::string problem(const std::string& bytes) {
  const std::string path = tempPath("case.npy");
  writeFileAtomically(path, bytes);
  try {
    readNpyPoints(path);
    return "";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.rfind(path, 0) == 0);  // names the file first
    return what;
  }
}

// An .npy file of the given header dictionary and payload.
std::string npyWith(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + payload;
}

}  // namespace

TEST_CASE("npy: points written as float32 and float64 read back as they were") {
  Points p(2, 3);
  p << 1.5f, -2.0f, 3.25f,  //
      0.0f, 7.0f, -1e-3f;
  const std::string path = tempPath("points.npy");
  writeFileAtomically(path, npyBytes(p.data(), {3, 2}));
  CHECK(readNpyPoints(path) == p);
  const Eigen::Matrix<double, 2, Eigen::Dynamic> d = p.cast<double>();
  writeFileAtomically(path, npyBytes(d.data(), {3, 2}));
  CHECK(readNpyPoints(path) == p);
  std::remove(path.c_str());
}

TEST_CASE("npy: hostile and foreign files are refused with what is wrong") {
  const std::string twoFloats(8, '\0');
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
  CHECK(problem(npyWith(dict, twoFloats)).empty());
  CHECK(problem("x,y\n1,2\n").find("not a NumPy") != std::string::npos);
  CHECK(problem("").find("not a NumPy") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", twoFloats))
            .find("'>f4'") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", twoFloats))
            .find("dtype") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", twoFloats))
            .find("Fortran") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", twoFloats))
            .find("not N x 2") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", twoFloats))
            .find("not N x 2") != std::string::npos);
  CHECK(problem(npyWith(dict, twoFloats.substr(0, 5))).find("bytes") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 2), }",
                        twoFloats))
            .find("more than") != std::string::npos);
  const float nan[2] = {1.0f, std::numeric_limits<float>::quiet_NaN()};
  CHECK(problem(npyBytes(nan, {1, 2})).find("not finite") != std::string::npos);
  const double huge[2] = {1e300, 0.0};
  CHECK(problem(npyBytes(huge, {1, 2})).find("beyond") != std::string::npos);
  CHECK(problem(npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }", ""))
            .find("no points") != std::string::npos);
}
