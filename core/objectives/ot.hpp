// Exact optimal assignment (discrete optimal transport between two equal-size uniform samples).
//
// Solves min_σ Σ_i C(i, σ(i)) over permutations σ with the Jonker–Volgenant shortest
// augmenting path algorithm (O(n³) worst case). Used for exact W2 (n up to several thousand)
// and for minibatch OT-CFM couplings (n = batch size, in the hot loop: no allocation once
// sized). Exact up to floating-point rounding of the duals (exact for integer costs). Measured
// (CPU time, one core of a busy 2-core VM), squared-Euclidean costs of N(0, I) samples vs the
// 8gaussians target: ≈1.7 ms at n = 256; ≈1.3 s at n = 2000 (≈0.95 s with costs on the fly).
// Owned by one thread at a time.
#pragma once

#include <vector>

#include "core/base/types.hpp"

namespace flowlab::core {

namespace detail {
struct TiePolicy;  // when the augmenting search looks for a free column among tied minima
}

class AssignmentSolver {
 public:
  // cost: n×n, n ≥ 1, finite (else std::invalid_argument). rowToCol receives σ (size n).
  // Returns Σ_i cost(i, σ(i)). Allocates nothing when n does not exceed an earlier call's n.
  double solve(const Eigen::Ref<const Eigen::MatrixXd>& cost, std::vector<int>& rowToCol);

  // The same for cost(i, j) = ‖a_i − b_j‖² (in double) computed on the fly, so large n needs no
  // n×n matrix (and runs faster): a, b 2×n, n ≥ 1, finite. Same result as
  // solve(squaredDistances(a, b)) up to rounding.
  double solveSquaredDistances(const Points& a, const Points& b, std::vector<int>& rowToCol);

  // After a solve, the dual (Kantorovich) potential of each matrix row i (point a_i), size n:
  // with u_j = min_i (cost(i, j) − p_i), every pair (i, σ(i)) attains its column's minimum, so
  // Σ_i p_i + Σ_j u_j is the optimal total (strong duality), up to rounding.
  const std::vector<double>& rowPotentials() const { return v_; }

 private:
  // The three phases of the Jonker–Volgenant solve, in order (see ot.cpp).
  template <class Rows>
  void run(int n, Rows& rows);
  template <class Rows>
  void reduceColumns(int n, Rows& rows);
  template <class Rows>
  void transferReductions(int n, Rows& rows);
  template <class Rows>
  void augment(int n, Rows& rows, int f, detail::TiePolicy& ties);

  // Internally the matrix's columns are the "rows" of Jonker–Volgenant (columns are contiguous
  // in Eigen's storage) and its rows the "columns"; rowToCol is read off colToRow_.
  std::vector<double> v_, vWork_, dist_, scanDist_, blockMin_, ax_, ay_, rowBuf_;
  std::vector<int> rowToCol_, colToRow_, pred_, scanCols_, free_, argMin_, matches_;
};

// cost(i, j) = ‖a_i − b_j‖² (in double) for columns a_i of a (2×n) and b_j of b (2×m).
void squaredDistances(const Points& a, const Points& b, Eigen::MatrixXd& cost);

}  // namespace flowlab::core
