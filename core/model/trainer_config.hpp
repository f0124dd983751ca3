// What to train and how: the method, the network, the optimiser and the per-method options.
// A plain value, copied between threads (the UI edits one and submits it to the Trainer).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/nn/adam.hpp"
#include "core/nn/mlp.hpp"
#include "core/ode/cnf_solve.hpp"
#include "core/ode/ode.hpp"

namespace flowlab::core {

enum class Method {
  FlowMatching,   // "fm": conditional flow matching, independent coupling
  OtCfm,          // "otcfm": minibatch optimal-transport coupling (exact assignment per batch)
  RectifiedFlow,  // "rf": flow matching, then K reflow rounds on (x0, ODE_k(x0)) pairs
  Cnf,            // "cnf": continuous normalizing flow by maximum likelihood
  ReverseKl,      // "rkl": flow trained as a sampler from the target's unnormalised log density
  RealNvp,        // "realnvp": discrete affine-coupling flow by maximum likelihood
};

std::string_view methodName(Method m);
std::optional<Method> parseMethod(std::string_view name);
bool isContinuous(Method m);  // has a velocity field v(x, t) (everything but RealNVP)

// Learning-rate schedule over each stage's steps.
enum class LrSchedule {
  Constant,  // lr throughout (the app's open-ended live training)
  Cosine,    // lr·½(1 + cos(π·step/steps)): anneals to 0 at the end of the stage
};

struct TrainerConfig {
  Method method = Method::RectifiedFlow;
  MlpConfig mlp{};
  AdamConfig adam{};
  LrSchedule schedule = LrSchedule::Constant;  // live
  int batch = 256;                             // live
  long steps = 20000;                          // training steps per stage
  std::uint64_t seed = 0;
  int threads = 1;  // threads for one training step (batch split)

  // Flow matching family.
  double sigma = 0.0;  // x_t = (1−t)x0 + t·x1 + σ·ε (conditional FM with a Gaussian path)
  int reflow = 1;      // RF: number of reflow rounds K (stages = K + 1)
  int reflowPairs = 50000;  // RF: size of each reflow pair set
  SolverConfig pairSolver{Solver::RK4, 100, 1e-5, 1e-5, 100000};  // RF: generates the pairs

  CnfOptions cnf{};
  int couplingLayers = 8;  // RealNVP

  bool operator==(const TrainerConfig&) const = default;
};

// The recommended starting point for a method (network, learning rate, steps, solver), tuned so
// that the CLI's defaults reach the quality figures of docs/performance.md. Schedule: cosine (the
// app switches to constant for open-ended live training).
TrainerConfig defaultConfig(Method method);

// The number of stages a run of `config` trains: rectified flow's reflow rounds + 1; 1 otherwise.
int stageCount(const TrainerConfig& config);

// True when going from `from` to `to` needs a fresh model (method, network, seed, …);
// false when every difference can be applied live between steps (learning rate, batch, …).
bool needsReset(const TrainerConfig& from, const TrainerConfig& to);

// How a message names a config field: the CLI's option ("--lr") or the app's control
// ("learning rate").
enum class Wording { Cli, App };

// The most parameters one network may have (200 MB of float32 per copy; training keeps several:
// the parameters, Adam's two moments, a gradient per thread). A wider or deeper network is
// refused by validate() before anything is allocated for it, whether trained or read from a file.
constexpr long kMaxParameters = 50'000'000;

// Checks every field; returns an empty string when valid, else one line naming the problem in
// the given wording, with the valid range and the value given.
std::string validate(const TrainerConfig& config, Wording wording = Wording::Cli);

}  // namespace flowlab::core
