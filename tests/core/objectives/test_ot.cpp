// Tests of the exact assignment solver: brute force on small instances, an optimality
// certificate (no negative cycle) on larger ones, ties, reuse, and argument checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/objectives/ot.hpp"

using namespace flowlab::core;

namespace {

double bruteForce(const Eigen::MatrixXd& cost) {
  const auto n = static_cast<int>(cost.rows());
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += cost(i, p[static_cast<std::size_t>(i)]);
    best = std::min(best, s);
  } while (std::next_permutation(p.begin(), p.end()));
  return best;
}

bool isPermutation(const std::vector<int>& p, std::size_t n) {
  if (p.size() != n) return false;
  std::vector<char> seen(n, 0);
  for (int j : p) {
    if (j < 0 || static_cast<std::size_t>(j) >= n || seen[static_cast<std::size_t>(j)])
      return false;
    seen[static_cast<std::size_t>(j)] = 1;
  }
  return true;
}

double costOf(const Eigen::MatrixXd& cost, const std::vector<int>& p) {
  double s = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) s += cost(static_cast<Eigen::Index>(i), p[i]);
  return s;
}

// Optimality certificate: an assignment σ is optimal iff no cycle of reassignments (row i takes
// the column of row i', …) lowers the cost, i.e. the graph with edges
// i → i' of weight C(i, σ(i')) − C(i, σ(i)) has no negative cycle (Floyd–Warshall).
double mostNegativeCycle(const Eigen::MatrixXd& cost, const std::vector<int>& p) {
  const Eigen::Index n = cost.rows();
  Eigen::MatrixXd d(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index k = 0; k < n; ++k)
      d(i, k) = cost(i, p[static_cast<std::size_t>(k)]) - cost(i, p[static_cast<std::size_t>(i)]);
  for (Eigen::Index m = 0; m < n; ++m)
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index k = 0; k < n; ++k) d(i, k) = std::min(d(i, k), d(i, m) + d(m, k));
  return d.diagonal().minCoeff();
}

Points gaussianPoints(int n, std::mt19937& rng, float shift = 0.0f) {
  std::normal_distribution<float> g;
  Points p(2, n);
  for (int i = 0; i < n; ++i) {
    p(0, i) = g(rng) + shift;
    p(1, i) = g(rng);
  }
  return p;
}

// The 8gaussians target's geometry: modes on a circle of radius 2.83, std 0.35.
Points eightGaussians(int n, std::mt19937& rng) {
  std::normal_distribution<float> g;
  Points p(2, n);
  for (int i = 0; i < n; ++i) {
    const double angle = static_cast<double>(rng() % 8) * std::acos(-1.0) / 4.0;
    p(0, i) = static_cast<float>((4.0 * std::cos(angle) + 0.5 * g(rng)) / 1.414);
    p(1, i) = static_cast<float>((4.0 * std::sin(angle) + 0.5 * g(rng)) / 1.414);
  }
  return p;
}

}  // namespace

TEST_CASE("assignment equals brute force on small random instances") {
  std::mt19937 rng(7);
  AssignmentSolver solver;  // one solver across every size: buffers reused as n changes
  std::vector<int> p;
  for (int n = 1; n <= 7; ++n) {
    for (int trial = 0; trial < 120; ++trial) {
      CAPTURE(n);
      CAPTURE(trial);
      Eigen::MatrixXd cost(n, n);
      const int kind = trial % 4;
      if (kind == 0) {  // small integers: many ties
        std::uniform_int_distribution<int> u(0, 4);
        for (Eigen::Index k = 0; k < cost.size(); ++k) cost.data()[k] = u(rng);
      } else if (kind == 1) {  // integers with negatives and a wide range
        std::uniform_int_distribution<int> u(-1000, 1000);
        for (Eigen::Index k = 0; k < cost.size(); ++k) cost.data()[k] = u(rng);
      } else if (kind == 2) {  // real costs
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (Eigen::Index k = 0; k < cost.size(); ++k) cost.data()[k] = u(rng);
      } else {  // squared Euclidean
        squaredDistances(gaussianPoints(n, rng), eightGaussians(n, rng), cost);
      }
      const double total = solver.solve(cost, p);
      REQUIRE(isPermutation(p, static_cast<std::size_t>(n)));
      CHECK(total == doctest::Approx(costOf(cost, p)).epsilon(1e-14));
      const double best = bruteForce(cost);
      if (kind < 2)
        CHECK(total == best);  // exact on integers
      else
        CHECK(total == doctest::Approx(best).epsilon(1e-12));
    }
  }
}

TEST_CASE("assignment is optimal on larger instances (no negative reassignment cycle)") {
  std::mt19937 rng(11);
  AssignmentSolver solver;
  std::vector<int> p;
  for (int n : {40, 97, 160}) {
    CAPTURE(n);
    Eigen::MatrixXd cost;
    squaredDistances(gaussianPoints(n, rng), eightGaussians(n, rng), cost);
    solver.solve(cost, p);
    REQUIRE(isPermutation(p, static_cast<std::size_t>(n)));
    CHECK(mostNegativeCycle(cost, p) > -1e-9);

    Eigen::MatrixXd ints(n, n);
    std::uniform_int_distribution<int> u(0, 9);
    for (Eigen::Index k = 0; k < ints.size(); ++k) ints.data()[k] = u(rng);
    solver.solve(ints, p);
    REQUIRE(isPermutation(p, static_cast<std::size_t>(n)));
    CHECK(mostNegativeCycle(ints, p) >= 0.0);
  }
}

TEST_CASE("the negative-cycle certificate detects a suboptimal assignment") {
  // Guards the certificate above: swapping two rows of an optimal assignment with distinct costs
  // must show a negative cycle.
  std::mt19937 rng(3);
  Eigen::MatrixXd cost;
  squaredDistances(gaussianPoints(30, rng), eightGaussians(30, rng), cost);
  AssignmentSolver solver;
  std::vector<int> p;
  solver.solve(cost, p);
  std::swap(p[0], p[1]);
  CHECK(mostNegativeCycle(cost, p) < -1e-9);
}

TEST_CASE("n = 1, ties and degenerate costs") {
  AssignmentSolver solver;
  std::vector<int> p;
  Eigen::MatrixXd one(1, 1);
  one << -3.5;
  CHECK(solver.solve(one, p) == -3.5);
  CHECK(p == std::vector<int>{0});

  // Every permutation is optimal.
  const Eigen::MatrixXd flat = Eigen::MatrixXd::Constant(50, 50, 2.0);
  CHECK(solver.solve(flat, p) == 100.0);
  CHECK(isPermutation(p, 50));

  // All points identical on one side: every assignment has the same cost.
  std::mt19937 rng(5);
  const Points a = gaussianPoints(64, rng);
  const Points b = Points::Constant(2, 64, 0.5f);
  Eigen::MatrixXd cost;
  squaredDistances(a, b, cost);
  const double total = solver.solve(cost, p);
  CHECK(isPermutation(p, 64));
  CHECK(total == doctest::Approx(cost.col(0).sum()).epsilon(1e-12));

  // A permutation matrix of zeros in a field of ones is recovered.
  std::vector<int> sigma(20);
  std::iota(sigma.begin(), sigma.end(), 0);
  std::shuffle(sigma.begin(), sigma.end(), rng);
  Eigen::MatrixXd perm = Eigen::MatrixXd::Ones(20, 20);
  for (int i = 0; i < 20; ++i) perm(i, sigma[static_cast<std::size_t>(i)]) = 0.0;
  CHECK(solver.solve(perm, p) == 0.0);
  CHECK(p == sigma);
}

TEST_CASE("reuse across sizes gives the same answers as a fresh solver") {
  std::mt19937 rng(9);
  AssignmentSolver reused;
  std::vector<int> p1, p2;
  for (int n : {5, 3, 40, 1, 17, 40, 2}) {
    CAPTURE(n);
    Eigen::MatrixXd cost;
    squaredDistances(gaussianPoints(n, rng), eightGaussians(n, rng), cost);
    AssignmentSolver fresh;
    const double t1 = reused.solve(cost, p1);
    const double t2 = fresh.solve(cost, p2);
    CHECK(t1 == t2);
    CHECK(p1 == p2);
  }
}

TEST_CASE("bad cost matrices are rejected") {
  AssignmentSolver solver;
  std::vector<int> p;
  CHECK_THROWS_AS(solver.solve(Eigen::MatrixXd(3, 4), p), std::invalid_argument);
  CHECK_THROWS_AS(solver.solve(Eigen::MatrixXd(0, 0), p), std::invalid_argument);
  Eigen::MatrixXd bad = Eigen::MatrixXd::Zero(3, 3);
  bad(1, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(solver.solve(bad, p), std::invalid_argument);
  bad(1, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(solver.solve(bad, p), std::invalid_argument);
  // Still usable afterwards.
  CHECK(solver.solve(Eigen::MatrixXd::Identity(3, 3), p) == 0.0);

  CHECK_THROWS_AS(solver.solveSquaredDistances(Points(2, 3), Points(2, 4), p),
                  std::invalid_argument);
  CHECK_THROWS_AS(solver.solveSquaredDistances(Points(2, 0), Points(2, 0), p),
                  std::invalid_argument);
  Points nan = Points::Zero(2, 2);
  nan(0, 1) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(solver.solveSquaredDistances(nan, Points::Zero(2, 2), p), std::invalid_argument);
}

TEST_CASE("squared distances in double, the on-the-fly solve matches the matrix solve") {
  std::mt19937 rng(13);
  const Points a = gaussianPoints(37, rng);
  const Points b = eightGaussians(23, rng);
  Eigen::MatrixXd cost;
  squaredDistances(a, b, cost);
  REQUIRE(cost.rows() == 37);
  REQUIRE(cost.cols() == 23);
  for (Eigen::Index i = 0; i < 37; ++i) {
    for (Eigen::Index j = 0; j < 23; ++j) {
      const double dx = static_cast<double>(a(0, i)) - b(0, j);
      const double dy = static_cast<double>(a(1, i)) - b(1, j);
      CHECK(cost(i, j) == doctest::Approx(dx * dx + dy * dy).epsilon(1e-15));
    }
  }

  AssignmentSolver solver;
  std::vector<int> p1, p2;
  for (int n : {1, 16, 100, 257}) {
    CAPTURE(n);
    const Points x = gaussianPoints(n, rng);
    const Points y = eightGaussians(n, rng);
    squaredDistances(x, y, cost);
    const double t1 = solver.solve(cost, p1);
    const double t2 = solver.solveSquaredDistances(x, y, p2);
    CHECK(t2 == doctest::Approx(t1).epsilon(1e-12));
    CHECK(isPermutation(p2, static_cast<std::size_t>(n)));
    CHECK(costOf(cost, p2) == doctest::Approx(t1).epsilon(1e-12));
  }
}

TEST_CASE("row potentials are a dual certificate: column minima at σ, duality gap zero") {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal;
  for (const int n : {1, 7, 60, 300}) {
    Points a(2, n), b(2, n);
    for (int i = 0; i < n; ++i) {
      a.col(i) << float(normal(gen)), float(normal(gen));
      b.col(i) << float(3 * normal(gen)), float(normal(gen) + 2);
    }
    AssignmentSolver solver;
    std::vector<int> p;
    const double total = solver.solveSquaredDistances(a, b, p);
    const std::vector<double>& pot = solver.rowPotentials();
    REQUIRE(pot.size() == std::size_t(n));
    Eigen::MatrixXd cost;
    squaredDistances(a, b, cost);
    std::vector<double> u(std::size_t(n), std::numeric_limits<double>::infinity());
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        u[std::size_t(j)] = std::min(u[std::size_t(j)], cost(i, j) - pot[std::size_t(i)]);
    double dual = 0.0;
    for (int i = 0; i < n; ++i) {
      dual += pot[std::size_t(i)] + u[std::size_t(p[std::size_t(i)])];
      // σ(i) attains the minimum of its column: the pair is tight.
      CHECK(cost(i, p[std::size_t(i)]) - pot[std::size_t(i)] ==
            doctest::Approx(u[std::size_t(p[std::size_t(i)])]).epsilon(1e-12).scale(1.0));
    }
    CHECK(dual == doctest::Approx(total).epsilon(1e-10));
  }
}
