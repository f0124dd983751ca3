// Names, validation and reset rules of TrainerConfig.
#include "core/model/trainer_config.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "core/nn/realnvp.hpp"

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

namespace {

// A config field in each wording: the CLI's option and the app's control.
struct FieldName {
  const char* cli;
  const char* app;
};

std::string fieldName(const FieldName& f, Wording w) { return w == Wording::Cli ? f.cli : f.app; }

// Numbers as a person would write them: 1e-05, 0.5, 65536 (never rounded to zero).
std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string outside(const FieldName& f, Wording w, const char* range, double got) {
  return fieldName(f, w) + " must be in " + range + ", got " + number(got);
}

std::string checkSolver(const SolverConfig& s, std::string_view what, Wording w) {
  static constexpr FieldName kTolerances{"--rtol and --atol", "rtol and atol"},
      kSteps{"--solver-steps", "solver steps"};
  if (isAdaptive(s.solver)) {
    if (!(s.rtol > 0.0 && s.rtol < 1.0) || !(s.atol > 0.0 && s.atol < 1.0))
      return std::string(what) + ": " + fieldName(kTolerances, w) + " must be in (0, 1), got " +
             number(s.rtol) + " and " + number(s.atol);
    if (s.maxSteps < 1) return std::string(what) + ": max steps must be ≥ 1";
  } else if (s.steps < 1 || s.steps > 100000) {
    return std::string(what) + ": " + outside(kSteps, w, "[1, 100000]", s.steps);
  }
  return {};
}

}  // namespace

std::string validate(const TrainerConfig& c, Wording w) {
  static constexpr FieldName kHidden{"--hidden", "width"}, kLayers{"--layers", "depth"},
      kFourier{"--fourier", "Fourier features"}, kLr{"--lr", "learning rate"},
      kDecay{"--weight-decay", "weight decay"}, kClip{"--clip", "gradient clipping"},
      kBatch{"--batch", "batch"}, kSteps{"--steps", "steps per stage"},
      kThreads{"--threads", "threads"}, kSigma{"--sigma", "sigma"},
      kReflow{"--reflow", "reflow rounds"}, kPairs{"--reflow-pairs", "reflow pairs"},
      kCouplings{"--couplings", "couplings"};
  const MlpConfig& m = c.mlp;
  if (m.hidden < 1 || m.hidden > 4096) return outside(kHidden, w, "[1, 4096]", m.hidden);
  if (m.layers < 1 || m.layers > 64) return outside(kLayers, w, "[1, 64]", m.layers);
  if (m.fourierFrequencies < 0 || m.fourierFrequencies > 64)
    return outside(kFourier, w, "[0, 64]", m.fourierFrequencies);
  if (m.inDim != 2 || m.outDim != 2)
    return "the velocity network must map 2-D points to 2-D velocities";
  if (!(c.adam.learningRate > 0.0 && c.adam.learningRate <= 1.0))
    return outside(kLr, w, "(0, 1]", c.adam.learningRate);
  if (!(c.adam.beta1 >= 0.0 && c.adam.beta1 < 1.0) || !(c.adam.beta2 >= 0.0 && c.adam.beta2 < 1.0))
    return "Adam's beta1 and beta2 must be in [0, 1), got " + number(c.adam.beta1) + " and " +
           number(c.adam.beta2);
  if (!(c.adam.epsilon > 0.0 && c.adam.epsilon < 1.0))
    return "Adam's epsilon must be in (0, 1), got " + number(c.adam.epsilon);
  if (!(c.adam.weightDecay >= 0.0 && c.adam.weightDecay < 1.0))
    return outside(kDecay, w, "[0, 1)", c.adam.weightDecay);
  if (!(c.adam.maxGradNorm >= 0.0) || !std::isfinite(c.adam.maxGradNorm))
    return fieldName(kClip, w) + " must be ≥ 0 and finite, got " + number(c.adam.maxGradNorm);
  if (c.batch < 1 || c.batch > 65536) return outside(kBatch, w, "[1, 65536]", c.batch);
  if (c.steps < 1 || c.steps > 1000000000000L)
    return outside(kSteps, w, "[1, 1e12]", static_cast<double>(c.steps));
  if (c.threads < 1 || c.threads > 256) return outside(kThreads, w, "[1, 256]", c.threads);
  if (!(c.sigma >= 0.0 && c.sigma <= 10.0)) return outside(kSigma, w, "[0, 10]", c.sigma);
  if (c.reflow < 0 || c.reflow > 16) return outside(kReflow, w, "[0, 16]", c.reflow);
  if (c.reflowPairs < 1 || c.reflowPairs > 10000000)
    return outside(kPairs, w, "[1, 1e7]", c.reflowPairs);
  if (auto e = checkSolver(c.pairSolver, "reflow pair solver", w); !e.empty()) return e;
  if (auto e = checkSolver(c.cnf.solver, "training solver", w); !e.empty()) return e;
  if (!(c.cnf.kineticWeight >= 0.0) || !(c.cnf.jacobianWeight >= 0.0))
    return "regulariser weights must be ≥ 0";
  if (c.couplingLayers < 1 || c.couplingLayers > 64)
    return outside(kCouplings, w, "[1, 64]", c.couplingLayers);
  if (c.method == Method::OtCfm && c.batch > 4096)
    return fieldName(kBatch, w) + " above 4096 is too large for exact minibatch OT, got " +
           number(c.batch);
  // Counted from the shapes alone (the constructors allocate nothing).
  const long params = c.method == Method::RealNvp
                          ? long(RealNvp(c.mlp, c.couplingLayers).paramCount())
                          : long(Mlp(c.mlp).paramCount());
  if (params > kMaxParameters)
    return "the network has " + std::to_string(params) + " parameters, at most " +
           std::to_string(kMaxParameters) + " (lower " + fieldName(kHidden, w) + " or " +
           fieldName(kLayers, w) + ")";
  return {};
}

}  // namespace flowlab::core
