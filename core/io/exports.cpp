// Exports for other tools (see exports.hpp).
#include "core/io/exports.hpp"

#include <cmath>
#include <cstdio>

#include "core/base/grid_geometry.hpp"
#include "core/io/file_io.hpp"
#include "core/io/npy.hpp"

namespace flowlab::core {
namespace {

// Appends printf-formatted text.
template <class... Values>
void appendf(std::string& text, const char* format, Values... values) {
  char buf[160];
  const int len = std::snprintf(buf, sizeof buf, format, values...);
  if (len > 0) text.append(buf, std::size_t(std::min(len, int(sizeof buf) - 1)));
}

std::string cell(double v) {
  std::string text;
  if (std::isfinite(v)) appendf(text, "%.9g", v);
  return text;
}

}  // namespace

bool isTableExportPath(const std::string& path) {
  return endsWith(path, ".csv") || isNpyPath(path);
}

void writePointsFile(const std::string& path, const Points& points) {
  if (isNpyPath(path))
    writeFileAtomically(path, npyBytes(points.data(), {std::size_t(points.cols()), 2}));
  else
    writeFileAtomically(path, pointsCsv(points));
}

void writeTrajectoryFile(const std::string& path, const std::vector<double>& times,
                         const std::vector<Points>& states) {
  const std::size_t n = states.empty() ? 0 : std::size_t(states.front().cols());
  if (isNpyPath(path)) {
    std::vector<float> all;
    all.reserve(states.size() * n * 2);
    for (const Points& s : states) all.insert(all.end(), s.data(), s.data() + s.size());
    writeFileAtomically(path, npyBytes(all.data(), {states.size(), n, 2}));
    return;
  }
  std::string text = "point,t,x,y\n";
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < times.size() && k < states.size(); ++k) {
      const auto c = static_cast<Eigen::Index>(i);
      appendf(text, "%ld,%.6g,%.9g,%.9g\n", long(i), times[k], double(states[k](0, c)),
              double(states[k](1, c)));
    }
  writeFileAtomically(path, text);
}

void writeGridFile(const std::string& path, const DensityGrid& grid, const std::string& name) {
  if (isNpyPath(path)) {  // H×W, row 0 at y0 (the bottom), as the CSV's rows
    writeFileAtomically(
        path, npyBytes(grid.values.data(), {std::size_t(grid.height), std::size_t(grid.width)}));
    return;
  }
  const GridGeometry geometry{grid.box, grid.width, grid.height};
  std::string text = "x,y," + name + "\n";
  for (int j = 0; j < grid.height; ++j)
    for (int i = 0; i < grid.width; ++i)
      appendf(text, "%.9g,%.9g,%.9g\n", geometry.centreX(i), geometry.centreY(j),
              double(grid.values[geometry.index(i, j)]));
  writeFileAtomically(path, text);
}

void writeLossFile(const std::string& path, const std::vector<LossSample>& loss) {
  if (isNpyPath(path)) {
    std::vector<double> rows;
    rows.reserve(loss.size() * 2);
    for (const LossSample& l : loss) {
      rows.push_back(double(l.step));
      rows.push_back(double(l.loss));
    }
    writeFileAtomically(path, npyBytes(rows.data(), {loss.size(), 2}));
    return;
  }
  std::string text = "step,loss\n";
  for (const LossSample& l : loss) appendf(text, "%ld,%.9g\n", l.step, double(l.loss));
  writeFileAtomically(path, text);
}

void writeMetricsFile(const std::string& path, const std::vector<MetricSample>& metrics) {
  if (isNpyPath(path)) {
    std::vector<double> rows;
    for (const MetricSample& m : metrics)
      for (double v : {double(m.step), double(m.stage + 1), m.w2, m.w2Floor, m.nll,
                       m.nllTrainSolver, m.straightness, double(m.nfe)})
        rows.push_back(v);
    writeFileAtomically(path, npyBytes(rows.data(), {metrics.size(), 8}));
    return;
  }
  std::string text = "step,stage,w2,w2_floor,nll,nll_train_solver,straightness,nfe\n";
  for (const MetricSample& m : metrics)
    text += std::to_string(m.step) + "," + std::to_string(m.stage + 1) + "," + cell(m.w2) + "," +
            cell(m.w2Floor) + "," + cell(m.nll) + "," + cell(m.nllTrainSolver) + "," +
            cell(m.straightness) + "," + std::to_string(m.nfe) + "\n";
  writeFileAtomically(path, text);
}

void writeCheckpointsFile(const std::string& path, const std::vector<NllCheckpoint>& rows) {
  if (!isNpyPath(path)) return writeFileAtomically(path, checkpointsCsv(rows));
  std::vector<double> values;
  for (const NllCheckpoint& r : rows)
    for (double v : {double(r.step), r.trainSeconds, r.trainCpuSeconds, r.nllFine, r.nllTrainSolver,
                     r.loss, double(r.nfeForward), double(r.nfeBackward)})
      values.push_back(v);
  writeFileAtomically(path, npyBytes(values.data(), {rows.size(), 8}));
}

}  // namespace flowlab::core
