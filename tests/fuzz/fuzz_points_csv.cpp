// libFuzzer harness: a CSV of points (header x,y) through the reader of core/io/file_io.hpp, as
// `--target-points FILE.csv` and `logp --in FILE.csv` read it, then the kernel density estimate
// the points make (Scott's bandwidth, as loadPointsTarget builds it). A refusal (std::exception)
// is the expected answer to a bad file; a crash, a sanitizer report, a timeout or running out of
// memory is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "core/io/file_io.hpp"
#include "core/targets/points_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowlab::core;
  try {
    const Points points =
        pointsFromCsvText(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    const PointsTarget target(points, scottBandwidth(points), "fuzz");
    Points probe = points.leftCols(std::min<Eigen::Index>(points.cols(), 4));
    Eigen::VectorXd logp;
    target.logDensity(probe, logp);
  } catch (const std::exception&) {
  }
  return 0;
}
