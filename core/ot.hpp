// Exact optimal assignment (discrete optimal transport between two equal-size uniform samples).
//
// Solves min_σ Σ_i C(i, σ(i)) over permutations σ with the Jonker–Volgenant shortest
// augmenting path algorithm (O(n³) worst case, much faster on Euclidean costs). Used for exact
// W2 (n up to several thousand) and for minibatch OT-CFM couplings (n = batch size, in the hot
// loop: no allocation once sized). Owned by one thread at a time.
#pragma once

#include <vector>

#include "core/types.hpp"

namespace flowlab::core {

class AssignmentSolver {
 public:
  // cost: n×n. rowToCol receives σ (size n). Returns Σ_i cost(i, σ(i)).
  double solve(const Eigen::Ref<const Eigen::MatrixXd>& cost, std::vector<int>& rowToCol);

 private:
  std::vector<double> u_, v_, shortest_;
  std::vector<int> colToRow_, path_, todo_;
  std::vector<char> scanned_;
};

// cost(i, j) = ‖a_i − b_j‖² (in double) for columns a_i of a (2×n) and b_j of b (2×m).
void squaredDistances(const Points& a, const Points& b, Eigen::MatrixXd& cost);

}  // namespace flowlab::core
