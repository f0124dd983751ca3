// Quality metrics of a flow: exact W2, straightness, transport cost, path energy, NLL.
#include "core/eval/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/objectives/ot.hpp"

namespace flowlab::core {

double w2Exact(const Points& a, const Points& b) {
  if (a.cols() != b.cols())
    throw std::invalid_argument("w2Exact: the samples must have equal size");
  if (a.cols() == 0) throw std::invalid_argument("w2Exact: empty samples");
  // Costs on the fly: no n×n matrix, so n of several thousand stays cheap in memory.
  AssignmentSolver solver;
  std::vector<int> sigma;
  const double total = solver.solveSquaredDistances(a, b, sigma);
  return std::sqrt(std::max(0.0, total / static_cast<double>(a.cols())));
}

PathMetrics pathMetrics(const VelocityFn& field, const Points& x0, const SolverConfig& config,
                        Points* x1) {
  if (config.steps <= 0) throw std::invalid_argument("pathMetrics: steps must be > 0");
  const Eigen::Index n = x0.cols();
  if (n == 0) throw std::invalid_argument("pathMetrics: no points");

  Points x = x0;
  Trajectory trajectory;
  trajectory.samples = isAdaptive(config.solver) ? config.steps : 0;
  const IntegrationStats stats = integrate(field, x, 0.0, 1.0, config, &trajectory);

  PathMetrics m;
  m.nfe = stats.nfe;
  // Straight-line displacement x1 − x0 per point, in double.
  Eigen::Matrix<double, 2, Eigen::Dynamic> delta = (x.cast<double>() - x0.cast<double>());
  m.transportCost = delta.colwise().squaredNorm().sum() / static_cast<double>(n);

  // Trapezoid rule on the (possibly non-uniform) trajectory grid: weight of node k is half the
  // length of its two neighbouring intervals.
  const std::size_t count = trajectory.times.size();
  Points v(2, n);
  double straight = 0.0, energy = 0.0;
  for (std::size_t k = 0; k < count; ++k) {
    const double tPrev = trajectory.times[k == 0 ? 0 : k - 1];
    const double tNext = trajectory.times[k + 1 == count ? k : k + 1];
    const double w = 0.5 * (tNext - tPrev);
    field(trajectory.states[k], trajectory.times[k], v);
    ++m.nfe;
    double s = 0.0, e = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double vx = v(0, i), vy = v(1, i);
      const double rx = delta(0, i) - vx, ry = delta(1, i) - vy;
      s += rx * rx + ry * ry;
      e += vx * vx + vy * vy;
    }
    straight += w * s;
    energy += w * e;
  }
  m.straightness = straight / static_cast<double>(n);
  m.pathEnergy = energy / static_cast<double>(n);
  if (x1) *x1 = x;
  return m;
}

double meanNll(const PointRow& logDensity) {
  if (logDensity.size() == 0) throw std::invalid_argument("meanNll: no points");
  return -logDensity.cast<double>().sum() / static_cast<double>(logDensity.size());
}

}  // namespace flowlab::core
