// Folder compare/: comparing reflow rounds and methods on the same points — the samples every
// entry is measured on, one entry's figures, crossings, the training of a whole comparison, and
// its table.
//
// Measuring one trained model (a method, or one stage of a rectified flow) for a comparison: every
// entry is measured on the same ComparisonSamples, so the figures line up — the same base points
// x0 ~ N(0, I) carried by every flow, the same target sample as the W2 reference. GL-free;
// caller's thread (the OT solves are serial; sampling and log densities use `threads`).
#pragma once

#include <limits>
#include <memory>
#include <vector>

#include "core/model/model.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

// The points of one comparison, drawn once from `seed`.
struct ComparisonSamples {
  Points base;         // x0 ~ N(0, I), 2×n: what every flow carries
  Points target;       // a target sample, 2×n: the W2 reference
  Points floorTarget;  // another, 2×n: W2(target, floorTarget) is the floor W2 can reach at n
  Points heldOut;      // target points for the NLL, 2×nllN
  double w2Floor = 0.0;
  // A lower bound on the transport cost E‖x1 − x0‖² of any coupling of N(0, I) with the
  // target (Liu et al. 2022: reflow lowers the cost toward W2²): the dual estimate of
  // ot_lower_bound.hpp on boundN anchor pairs of its own and kBoundTestPoints fresh points, with
  // its standard error. Unlike the two-sample W2² (biased up), it is biased down.
  double otLowerBound = 0.0, otBoundError = 0.0;
  long boundN = 0;  // the anchor pairs the bound was computed from
  static constexpr long kBoundTestPoints = 50000;
  ComparisonSamples(const Target& t, long n, long nllN, std::uint64_t seed, long boundN = 0);
};

// One entry's figures; NaN (or −1 for counts) where the method has no such figure: RealNVP has
// no ODE (no straightness, Euler step or crossings; its W2 is of its one pass).
struct EntryFigures {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  double w2Rk4 = kNone;     // W2 of RK4 with 100 steps (RealNVP: of its one pass)
  double w2Euler1 = kNone;  // W2 of one Euler step
  double straightness = kNone;  // E ∫₀¹ ‖(x1 − x0) − v(x_t, t)‖² dt along the RK4-100 paths
  double transportCost = kNone;  // E ‖x1 − x0‖² of the map x0 ↦ x1
  // W2² between the base points and this entry's own endpoints: the least cost of any coupling
  // of the same points, so transportCost − endpointOtCost ≥ 0 exactly, and 0 only when the
  // flow's coupling is optimal on the sample (reflow shrinks this gap).
  double endpointOtCost = kNone;
  double nll = kNone;   // mean −log p on the held-out points (exact, Dopri5 1e-5)
  long nfe = 0;         // per point for the RK4-100 sample (RealNVP: 1 pass)
  long crossings = -1;  // pathline pairs that cross among the first kCrossingPaths
};

// What measuring an entry yields besides the figures: the endpoints of every base point (the
// next reflow round's pairs start from these) and pathlines of the first kPathPoints base points
// (kPathSteps RK4 steps; empty without an ODE) to draw.
struct EntryMeasurement {
  EntryFigures figures;
  Points endpoints;           // 2×n, RK4 100 (RealNVP: its map)
  std::vector<Points> paths;  // kPathSteps + 1 states of 2×kPathPoints
  static constexpr int kPathPoints = 1000, kPathSteps = 20, kCrossingPaths = 200;
};

// withPaths: also the pathlines and their crossings (off: `paths` empty, crossings −1).
EntryMeasurement measureEntry(const TrainerConfig& config, const ParamVec& params,
                              const ComparisonSamples& samples, int threads, bool withPaths = true);

// The x1 of the pairs a method trains on, for the first `count` base points of `samples` (2×m,
// m ≤ count): independent pairs (flow matching, rectified flow's first round) join them to the
// target sample; OT-CFM's to one minibatch's exact OT assignment (Tong et al. 2023); a reflow
// round's to the previous round's endpoints `previousEnds` (Liu et al. 2022). Empty for
// methods trained without pairs (cnf, rkl, realnvp) and for a reflow round without previousEnds.
Points trainingCouplingEnds(const TrainerConfig& config, int stage,
                            const ComparisonSamples& samples, const Points& previousEnds,
                            int count);

// Crossings of a coupling's straight lines x0_i → x1_i among the first kCrossingPaths pairs
// (base and ends: 2×n each, n ≥ kCrossingPaths or all of them).
long couplingCrossings(const Points& base, const Points& ends);

}  // namespace flowlab::core
