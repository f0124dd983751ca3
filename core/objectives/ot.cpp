// Exact linear assignment by Jonker–Volgenant shortest augmenting paths (dense LAPJV).
//
// Jonker & Volgenant, "A shortest augmenting path algorithm for dense and sparse linear
// assignment problems", Computing 38 (1987): column reduction and reduction transfer build a
// partial assignment with feasible duals, then a Dijkstra-like shortest augmenting path is run
// for each row still free. Dual variables v (one per column) are kept explicitly; row duals are
// implicit, u_i = C(i, x_i) − v_{x_i}. Invariant for every assigned row i: its column x_i
// minimises C(i, j) − v_j over j (reduced costs ≥ 0), which is what Dijkstra needs.
//
// JV's third phase, augmenting row reduction, is left out on purpose: with the vectorised dense
// Dijkstra below it cost more than it saved on every cost family measured (Gaussian vs
// 8-Gaussian, Gaussian vs Gaussian, uniform random, small integers), and in floating point it
// can cycle.
#include "core/objectives/ot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace flowlab::core {

// Whether looking for a free column among tied minima pays off in this solve. Ties with a free
// column are common with integer costs or repeated points (there the search cuts the number of
// scans several-fold) but nearly absent with generic real costs, where the search would only
// cost time; so it switches itself off when it rarely succeeds. It never affects optimality.
struct detail::TiePolicy {
  long searches = 0, hits = 0;
  bool enabled() const { return searches < 64 || 8 * hits >= searches; }
};

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

inline double squaredDistance(double ax, double ay, double bx, double by) {
  const double dx = ax - bx, dy = ay - by;
  return dx * dx + dy * dy;
}

// Cost access for JV row r: row(r) gives the whole row as a contiguous array (only one row at
// a time is valid), at(r, c) one entry, and costs(r) a functor c ↦ C(r, c) that relax() inlines.
//
// JV row r is matrix column r: contiguous in Eigen's column-major storage.
struct MatrixRows {
  const double* data;
  Eigen::Index stride;
  const double* row(int r) const { return data + r * stride; }
  double at(int r, int c) const { return row(r)[c]; }
  auto costs(int r) const {
    const double* p = row(r);
    return [p](int c) { return p[c]; };
  }
};

// JV row r holds ‖a_c − b_r‖² for every c, computed on the fly (row() fills one buffer).
struct SquaredDistanceRows {
  const double* ax;
  const double* ay;
  const Points& b;
  double* buffer;
  int n;
  const double* row(int r) const {
    const double bx = b(0, r), by = b(1, r);
    for (int c = 0; c < n; ++c) buffer[c] = squaredDistance(ax[c], ay[c], bx, by);
    return buffer;
  }
  double at(int r, int c) const { return squaredDistance(ax[c], ay[c], b(0, r), b(1, r)); }
  auto costs(int r) const {
    const double bx = b(0, r), by = b(1, r);
    const double* __restrict x = ax;
    const double* __restrict y = ay;
    return [x, y, bx, by](int c) { return squaredDistance(x[c], y[c], bx, by); };
  }
};

constexpr int kBlock = 32;

// dist_j ← min(dist_j, C(i, j) − v_j − u1), recording i as the predecessor where it improves,
// and blockMin_b ← min of dist over block b (kBlock columns). Written as blends with fixed-length
// inner loops so it vectorises without masked stores (slow on some x86 cores).
template <class CostAt>
void relax(const CostAt& cost, const double* __restrict v, double u1, int i,
           double* __restrict dist, int* __restrict pred, double* __restrict blockMin, int n) {
  const int full = n / kBlock;
  for (int b = 0; b < full; ++b) {
    const int j0 = b * kBlock;
    for (int j = j0; j < j0 + kBlock; ++j) {
      const double h = cost(j) - v[j] - u1;
      const double d = dist[j];
      const int mask = -static_cast<int>(h < d);
      dist[j] = std::min(d, h);
      pred[j] = (i & mask) | (pred[j] & ~mask);
    }
    blockMin[b] = Eigen::Map<const Eigen::Array<double, kBlock, 1>>(dist + j0).minCoeff();
  }
  if (full * kBlock < n) {
    double m = kInf;
    for (int j = full * kBlock; j < n; ++j) {
      const double h = cost(j) - v[j] - u1;
      if (h < dist[j]) {
        dist[j] = h;
        pred[j] = i;
      }
      m = std::min(m, dist[j]);
    }
    blockMin[full] = m;
  }
}

// Index of the smallest dist, from the block minima relax() left: the first such index, or a
// free column (colToRow < 0) at the same distance when the tie policy says to look for one.
int argMin(const double* dist, const double* blockMin, const int* colToRow, int n,
           detail::TiePolicy& ties) {
  const int blocks = (n + kBlock - 1) / kBlock;
  int best = 0;
  double m = blockMin[0];
  for (int b = 1; b < blocks; ++b) {
    if (blockMin[b] < m) {
      m = blockMin[b];
      best = b;
    }
  }
  int j = best * kBlock;
  while (dist[j] != m) ++j;
  if (colToRow[j] < 0 || !ties.enabled()) return j;
  ++ties.searches;
  for (int b = best; b < blocks; ++b) {
    if (blockMin[b] != m) continue;
    const int kEnd = std::min(n, (b + 1) * kBlock);
    for (int k = b == best ? j + 1 : b * kBlock; k < kEnd; ++k) {
      if (dist[k] == m && colToRow[k] < 0) {
        ++ties.hits;
        return k;
      }
    }
  }
  return j;
}

}  // namespace

template <class Rows>
void AssignmentSolver::run(int n, Rows& rows) {
  const auto un = static_cast<std::size_t>(n);
  v_.assign(un, kInf);
  argMin_.assign(un, -1);
  matches_.assign(un, 0);
  rowToCol_.assign(un, -1);
  colToRow_.assign(un, -1);
  dist_.resize(un);
  vWork_.resize(un);
  scanDist_.resize(un);
  blockMin_.resize(un / kBlock + 1);
  pred_.resize(un);
  scanCols_.resize(un);
  free_.clear();
  free_.reserve(un);
  reduceColumns(n, rows);
  transferReductions(n, rows);
  detail::TiePolicy ties;
  for (const int f : free_) augment(n, rows, f, ties);
}

template <class Rows>
void AssignmentSolver::reduceColumns(int n, Rows& rows) {
  // 1. Column reduction: v_j = min_i C(i, j). Row-major sweep so each row is read contiguously;
  // ties go to the first row. Scanning columns last to first, each column goes to its minimising
  // row unless that row already has one.
  for (int i = 0; i < n; ++i) {
    const double* c = rows.row(i);
    double* __restrict v = v_.data();
    int* __restrict arg = argMin_.data();
    for (int j = 0; j < n; ++j) {
      const int mask = -static_cast<int>(c[j] < v[j]);
      v[j] = std::min(v[j], c[j]);
      arg[j] = (i & mask) | (arg[j] & ~mask);
    }
  }
  for (int j = n - 1; j >= 0; --j) {
    const int i = argMin_[j];
    if (matches_[i]++ == 0) {
      rowToCol_[i] = j;
      colToRow_[j] = i;
    }
  }
}

template <class Rows>
void AssignmentSolver::transferReductions(int n, Rows& rows) {
  // 2. Reduction transfer: a row that won exactly one column raises its implicit dual to the gap
  // to its second-best column (v_{x_i} −= that gap). x_i stays optimal for row i, other rows'
  // reduced costs only grow, and the tighter duals shorten the searches of phase 3.
  for (int i = 0; i < n; ++i) {
    if (matches_[i] == 0) {
      free_.push_back(i);
    } else if (matches_[i] == 1) {
      const int j1 = rowToCol_[i];
      const double* c = rows.row(i);
      double m = kInf;
      for (int j = 0; j < j1; ++j) m = std::min(m, c[j] - v_[j]);
      for (int j = j1 + 1; j < n; ++j) m = std::min(m, c[j] - v_[j]);
      if (m < kInf) v_[j1] -= m;
    }
  }
}

template <class Rows>
void AssignmentSolver::augment(int n, Rows& rows, int f, detail::TiePolicy& ties) {
  // 3. Shortest augmenting paths: Dijkstra on reduced costs from each free row, dense. One pass
  // per scanned row relaxes every column at once (branch-free, vectorised). Scanned columns are
  // masked by vWork_ = −∞ (their h becomes +∞) and dist_ = +∞ (never the minimum); their final
  // distances are kept in scanDist_.
  std::copy(v_.begin(), v_.end(), vWork_.begin());
  std::fill(dist_.begin(), dist_.end(), kInf);
  std::size_t scanned = 0;
  int i = f;
  double u1 = 0.0;  // row f enters with distance C(f, j) − v_j
  double minD = 0.0;
  int end = -1;
  while (true) {
    relax(rows.costs(i), vWork_.data(), u1, i, dist_.data(), pred_.data(), blockMin_.data(), n);
    const int j = argMin(dist_.data(), blockMin_.data(), colToRow_.data(), n, ties);
    minD = dist_[j];
    scanCols_[scanned] = j;
    scanDist_[scanned] = minD;
    ++scanned;
    vWork_[j] = -kInf;
    dist_[j] = kInf;
    if (colToRow_[j] < 0) {
      end = j;
      break;
    }
    i = colToRow_[j];
    u1 = rows.at(i, j) - v_[j] - minD;
  }
  // Keep reduced costs non-negative: v_j += d_j − d_end on every scanned column.
  for (std::size_t k = 0; k + 1 < scanned; ++k) v_[scanCols_[k]] += scanDist_[k] - minD;
  // Flip the path f → … → end.
  int j = end;
  while (true) {
    const int r = pred_[j];
    colToRow_[j] = r;
    std::swap(j, rowToCol_[r]);
    if (r == f) break;
  }
}

double AssignmentSolver::solve(const Eigen::Ref<const Eigen::MatrixXd>& cost,
                               std::vector<int>& rowToCol) {
  if (cost.rows() != cost.cols())
    throw std::invalid_argument("AssignmentSolver: the cost matrix must be square");
  if (cost.rows() == 0) throw std::invalid_argument("AssignmentSolver: empty cost matrix");
  if (cost.rows() > std::numeric_limits<int>::max())
    throw std::invalid_argument("AssignmentSolver: cost matrix too large");
  if (!cost.allFinite()) throw std::invalid_argument("AssignmentSolver: costs must be finite");
  const int n = static_cast<int>(cost.rows());
  MatrixRows rows{cost.data(), cost.outerStride()};
  run(n, rows);
  // Matrix row i is JV column i.
  rowToCol.resize(static_cast<std::size_t>(n));
  double total = 0.0;
  for (int i = 0; i < n; ++i) {
    rowToCol[static_cast<std::size_t>(i)] = colToRow_[static_cast<std::size_t>(i)];
    total += cost(i, colToRow_[static_cast<std::size_t>(i)]);
  }
  return total;
}

double AssignmentSolver::solveSquaredDistances(const Points& a, const Points& b,
                                               std::vector<int>& rowToCol) {
  if (a.cols() != b.cols())
    throw std::invalid_argument("AssignmentSolver: the point sets must have equal size");
  if (a.cols() == 0) throw std::invalid_argument("AssignmentSolver: empty point sets");
  if (a.cols() > std::numeric_limits<int>::max())
    throw std::invalid_argument("AssignmentSolver: point sets too large");
  if (!a.allFinite() || !b.allFinite())
    throw std::invalid_argument("AssignmentSolver: points must be finite");
  const int n = static_cast<int>(a.cols());
  const auto un = static_cast<std::size_t>(n);
  ax_.resize(un);
  ay_.resize(un);
  rowBuf_.resize(un);
  for (int i = 0; i < n; ++i) {
    ax_[static_cast<std::size_t>(i)] = a(0, i);
    ay_[static_cast<std::size_t>(i)] = a(1, i);
  }
  SquaredDistanceRows rows{ax_.data(), ay_.data(), b, rowBuf_.data(), n};
  run(n, rows);
  rowToCol.resize(un);
  double total = 0.0;
  for (std::size_t i = 0; i < un; ++i) {
    const int j = colToRow_[i];
    rowToCol[i] = j;
    total += squaredDistance(ax_[i], ay_[i], b(0, j), b(1, j));
  }
  return total;
}

void squaredDistances(const Points& a, const Points& b, Eigen::MatrixXd& cost) {
  cost.resize(a.cols(), b.cols());
  for (Eigen::Index j = 0; j < b.cols(); ++j) {
    const double bx = b(0, j), by = b(1, j);
    double* col = cost.col(j).data();
    for (Eigen::Index i = 0; i < a.cols(); ++i) col[i] = squaredDistance(a(0, i), a(1, i), bx, by);
  }
}

}  // namespace flowlab::core
