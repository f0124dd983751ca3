// Folder objectives/: the loss and gradient of each method (flow matching with independent or
// OT couplings and rectified flow, CNF maximum likelihood, reverse KL, RealNVP) and the exact
// assignment solver the OT coupling and W2 use.
//
// A training objective: the loss of one minibatch and its gradient with respect to the flat
// parameter vector. One per method family; the TrainingSession runs Adam on top of it.
// Owned by one thread (the trainer); allocation-free per call once sized for the batch.
#pragma once

#include <memory>

#include "core/base/rng.hpp"
#include "core/model/trainer_config.hpp"
#include "core/targets/targets.hpp"

namespace flowlab::core {

struct ObjectiveStats {
  long nfeForward = 0;   // field evaluations in the last call's forward pass (CNF)
  long nfeBackward = 0;  // … and in its backward pass (adjoint: the reverse solve)
};

class Objective {
 public:
  virtual ~Objective() = default;
  // Loss on one fresh minibatch; grad ← ∂L/∂θ (overwritten; same size as θ).
  // All randomness from rng, so the same seed repeats exactly.
  virtual double lossAndGradient(const ParamVec& theta, ParamVec& grad, Rng& rng) = 0;
  virtual void setBatch(int batch) = 0;                              // live change
  virtual void setTarget(std::shared_ptr<const Target> target) = 0;  // live change
  virtual ObjectiveStats stats() const { return {}; }
};

// A fixed coupling for reflow: x0 (base) and x1 = ODE_k(x0) (2×M each).
struct PairSet {
  Points x0, x1;
};

// Flow matching family (flow_matching.cpp). pairs == nullptr: x0 ~ N(0, I) and x1 ~ target,
// coupled independently (fm, rf stage 0) or by exact minibatch OT (otcfm); pairs != nullptr:
// minibatches of the fixed reflow coupling.
std::unique_ptr<Objective> makeFlowMatchingObjective(const TrainerConfig& config,
                                                     std::shared_ptr<const Target> target,
                                                     std::shared_ptr<const PairSet> pairs);

// Continuous normalizing flow by maximum likelihood (cnf.cpp).
std::unique_ptr<Objective> makeCnfObjective(const TrainerConfig& config,
                                            std::shared_ptr<const Target> target);
// Reverse KL from the target's log density, no target samples (reverse_kl.cpp).
std::unique_ptr<Objective> makeReverseKlObjective(const TrainerConfig& config,
                                                  std::shared_ptr<const Target> target);
// RealNVP affine couplings by maximum likelihood (realnvp.cpp).
std::unique_ptr<Objective> makeRealNvpObjective(const TrainerConfig& config,
                                                std::shared_ptr<const Target> target);

}  // namespace flowlab::core
