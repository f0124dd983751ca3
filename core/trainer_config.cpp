// Names, validation and reset rules of TrainerConfig.
#include "core/trainer_config.hpp"

#include <array>
#include <cmath>
#include <string>
#include <utility>


namespace flowlab::core {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 6> kMethodNames{{
    {Method::FlowMatching, "fm"},
    {Method::OtCfm, "otcfm"},
    {Method::RectifiedFlow, "rf"},
    {Method::Cnf, "cnf"},
    {Method::ReverseKl, "rkl"},
    {Method::RealNvp, "realnvp"},
}};

std::string checkSolver(const SolverConfig& s, std::string_view what) {
  if (isAdaptive(s.solver)) {
    if (!(s.rtol > 0.0 && s.rtol < 1.0) || !(s.atol > 0.0 && s.atol < 1.0))
      return std::string(what) + ": --rtol and --atol must be in (0, 1)";
    if (s.maxSteps < 1) return std::string(what) + ": max steps must be ≥ 1";
  } else if (s.steps < 1 || s.steps > 100000) {
    return std::string(what) + ": --solver-steps must be in [1, 100000], got " +
           std::to_string(s.steps);
  }
  return {};
}

}  // namespace

std::string_view methodName(Method m) {
  for (const auto& [method, name] : kMethodNames)
    if (method == m) return name;
  return "?";
}

std::optional<Method> parseMethod(std::string_view name) {
  for (const auto& [method, n] : kMethodNames)
    if (n == name) return method;
  return std::nullopt;
}

bool isContinuous(Method m) { return m != Method::RealNvp; }

TrainerConfig defaultConfig(Method method) {
  TrainerConfig c;
  c.method = method;
  c.schedule = LrSchedule::Cosine;
  switch (method) {
    case Method::FlowMatching:
    case Method::OtCfm:
      c.reflow = 0;
      c.steps = 20000;
      break;
    case Method::RectifiedFlow:
      c.reflow = 1;
      c.steps = 20000;
      break;
    case Method::Cnf:
    case Method::ReverseKl:
      // 3×32 tanh, RK4 8 steps, batch 128, lr 5e-3: within 0.01 nats of H on 8gaussians in
      // 3000 steps, and H + 0.1 within ~2 s of one-thread training (scripts/cnf-bars,
      // scripts/cnf-time-to-gap). Not more steps: at 6000 a CNF on checkerboard learns RK4-8's
      // discretisation (training-solver NLL below H, fine-solver NLL worse than at 3000).
      c.reflow = 0;
      c.steps = 3000;
      c.batch = 128;
      c.mlp.hidden = 32;
      c.mlp.activation = Activation::Tanh;
      c.adam.learningRate = 5e-3;
      c.adam.maxGradNorm = 10.0;
      break;
    case Method::RealNvp:
      // 12 couplings of 2×32 tanh conditioners: within 0.06 nats of H on 8gaussians in 5000 steps.
      c.reflow = 0;
      c.steps = 5000;
      c.couplingLayers = 12;
      c.mlp.hidden = 32;
      c.mlp.layers = 2;
      c.mlp.activation = Activation::Tanh;
      c.adam.learningRate = 5e-3;
      break;
  }
  return c;
}

bool needsReset(const TrainerConfig& from, const TrainerConfig& to) {
  // Everything that shapes the parameter vector, the objective or the random stream.
  TrainerConfig a = from, b = to;
  for (TrainerConfig* c : {&a, &b}) {
    c->adam.learningRate = 0.0;
    c->schedule = LrSchedule::Constant;
    c->adam.weightDecay = 0.0;
    c->adam.maxGradNorm = 0.0;
    c->batch = 0;
    c->steps = 0;
    c->threads = 0;
    c->sigma = 0.0;
    c->cnf.kineticWeight = 0.0;
    c->cnf.jacobianWeight = 0.0;
  }
  return !(a == b);
}

int stageCount(const TrainerConfig& config) {
  return config.method == Method::RectifiedFlow ? config.reflow + 1 : 1;
}

std::string validate(const TrainerConfig& c) {
  const MlpConfig& m = c.mlp;
  if (m.hidden < 1 || m.hidden > 4096) return "--hidden must be in [1, 4096], got " + std::to_string(m.hidden);
  if (m.layers < 1 || m.layers > 64) return "--layers must be in [1, 64], got " + std::to_string(m.layers);
  if (m.fourierFrequencies < 0 || m.fourierFrequencies > 64)
    return "--fourier must be in [0, 64], got " + std::to_string(m.fourierFrequencies);
  if (m.inDim != 2 || m.outDim != 2) return "the velocity network must map 2-D points to 2-D velocities";
  if (!(c.adam.learningRate > 0.0 && c.adam.learningRate <= 1.0))
    return "--lr must be in (0, 1], got " + std::to_string(c.adam.learningRate);
  if (!(c.adam.weightDecay >= 0.0 && c.adam.weightDecay < 1.0))
    return "--weight-decay must be in [0, 1)";
  if (!(c.adam.maxGradNorm >= 0.0) || !std::isfinite(c.adam.maxGradNorm))
    return "--clip must be ≥ 0";
  if (c.batch < 1 || c.batch > 65536) return "--batch must be in [1, 65536], got " + std::to_string(c.batch);
  if (c.steps < 1 || c.steps > 1000000000000L) return "--steps must be in [1, 1e12], got " + std::to_string(c.steps);
  if (c.threads < 1 || c.threads > 256) return "--threads must be in [1, 256], got " + std::to_string(c.threads);
  if (!(c.sigma >= 0.0 && c.sigma <= 10.0)) return "--sigma must be in [0, 10]";
  if (c.reflow < 0 || c.reflow > 16) return "--reflow must be in [0, 16], got " + std::to_string(c.reflow);
  if (c.reflowPairs < 1 || c.reflowPairs > 10000000) return "--reflow-pairs must be in [1, 1e7]";
  if (auto e = checkSolver(c.pairSolver, "reflow pair solver"); !e.empty()) return e;
  if (auto e = checkSolver(c.cnf.solver, "training solver"); !e.empty()) return e;
  if (!(c.cnf.kineticWeight >= 0.0) || !(c.cnf.jacobianWeight >= 0.0))
    return "regulariser weights must be ≥ 0";
  if (c.couplingLayers < 1 || c.couplingLayers > 64) return "--couplings must be in [1, 64]";
  if (c.method == Method::OtCfm && c.batch > 4096) return "--batch above 4096 is too large for exact minibatch OT";
  return {};
}

}  // namespace flowlab::core
