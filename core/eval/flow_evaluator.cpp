// FlowEvaluator: one stage of a model as a velocity field, a sampler and an exact density.
#include "core/eval/flow_evaluator.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/base/parallel.hpp"
#include "core/nn/realnvp.hpp"

namespace flowlab::core {

struct FlowEvaluator::Impl {
  Impl(const TrainerConfig& c, const ParamVec& p) : config(c), params(p), mlp(c.mlp) {
    if (c.method == Method::RealNvp) realNvp = std::make_unique<RealNvp>(c.mlp, c.couplingLayers);
  }
  TrainerConfig config;
  const ParamVec& params;
  Mlp mlp;
  MlpWorkspace ws;
  std::unique_ptr<RealNvp> realNvp;  // discrete flows only
  RealNvpWorkspace realNvpWs;
  PointRow t;
  MatrixF y;

  void fillTime(Eigen::Index n, double time) {
    if (t.size() != n) t.resize(n);
    t.setConstant(static_cast<float>(time));
  }
};

FlowEvaluator::FlowEvaluator(const TrainerConfig& config, const ParamVec& params)
    : impl_(std::make_unique<Impl>(config, params)) {
  if (params.size() != parameterCount(config))
    throw std::invalid_argument("parameter vector does not match the model's network");
}

FlowEvaluator::~FlowEvaluator() = default;

bool FlowEvaluator::continuous() const { return isContinuous(impl_->config.method); }

void FlowEvaluator::velocity(const Points& x, double t, Points& v) {
  Impl& m = *impl_;
  if (m.realNvp) throw std::invalid_argument("a RealNVP model has no velocity field");
  m.fillTime(x.cols(), t);
  m.mlp.evaluate(m.params.data(), x, m.t, m.y, m.ws);
  v = m.y;
}

void FlowEvaluator::velocityDivergence(const Points& x, double t, Points& v, PointRow& div) {
  Impl& m = *impl_;
  if (m.realNvp) throw std::invalid_argument("a RealNVP model has no velocity field");
  m.fillTime(x.cols(), t);
  m.mlp.evaluateDivergence(m.params.data(), x, m.t, m.y, div, m.ws);
  v = m.y;
}

VelocityFn FlowEvaluator::velocityFn() {
  return [this](const Points& x, double t, Points& v) { velocity(x, t, v); };
}

VelocityDivFn FlowEvaluator::velocityDivFn() {
  return [this](const Points& x, double t, Points& v, PointRow& div) {
    velocityDivergence(x, t, v, div);
  };
}

IntegrationStats FlowEvaluator::sample(Points& x, const SolverConfig& solver,
                                       Trajectory* trajectory) {
  if (impl_->realNvp) {
    // A discrete flow: one exact map, no solver (a trajectory holds its two ends).
    Points out;
    PointRow logdet;
    if (trajectory) {
      trajectory->times = {0.0, 1.0};
      trajectory->states = {x};
    }
    impl_->realNvp->forward(impl_->params.data(), x, out, logdet, impl_->realNvpWs);
    x = out;
    if (trajectory) trajectory->states.push_back(x);
    return IntegrationStats{1, 1, 0};
  }
  return integrate(velocityFn(), x, 0.0, 1.0, solver, trajectory);
}

IntegrationStats FlowEvaluator::logDensity(const Points& x, const SolverConfig& solver,
                                           PointRow& logp) {
  if (impl_->realNvp) {
    impl_->realNvp->logDensity(impl_->params.data(), x, logp, impl_->realNvpWs);
    return IntegrationStats{1, 1, 0};
  }
  // log p₁(x) = log N(x₀) − ∫₀¹ div v dt; integrating from 1 down to 0 accumulates
  // ℓ(0) − ℓ(1) = +∫₀¹ div v dt, so start from 0 and subtract it from the base term.
  Points z = x;
  PointRow acc = PointRow::Zero(x.cols());
  const IntegrationStats stats = integrateWithLogDensity(velocityDivFn(), z, acc, 1.0, 0.0, solver);
  standardNormalLogDensity(z, logp);
  logp -= acc;
  return stats;
}

IntegrationStats sampleFlow(const TrainerConfig& config, const ParamVec& params, Points& x,
                            const SolverConfig& solver, int threads, Trajectory* trajectory) {
  const int workers = std::max(1, threads);
  std::vector<IntegrationStats> stats(static_cast<std::size_t>(workers));
  std::vector<Trajectory> parts(static_cast<std::size_t>(workers));
  std::vector<std::string> errors(static_cast<std::size_t>(workers));
  parallelColumns(x.cols(), workers, [&](Eigen::Index b, Eigen::Index e, int w) {
    try {
      FlowEvaluator flow(config, params);
      Points chunk = x.middleCols(b, e - b);
      Trajectory* part = nullptr;
      if (trajectory) {
        parts[w].samples = trajectory->samples;
        part = &parts[w];
      }
      stats[w] = flow.sample(chunk, solver, part);
      x.middleCols(b, e - b) = chunk;
    } catch (const std::exception& ex) {
      errors[w] = ex.what();
    }
  });
  for (const std::string& e : errors)
    if (!e.empty()) throw std::runtime_error(e);
  if (trajectory) {
    // Stitch the chunks' states side by side (every chunk has the same time grid).
    std::vector<Trajectory*> used;
    for (auto& p : parts)
      if (!p.times.empty()) used.push_back(&p);
    trajectory->times = used.front()->times;
    trajectory->states.assign(trajectory->times.size(), Points(2, x.cols()));
    for (std::size_t k = 0; k < trajectory->times.size(); ++k) {
      Eigen::Index col = 0;
      for (Trajectory* p : used) {
        if (p->states.size() != trajectory->times.size())
          throw std::runtime_error("trajectory chunks disagree on their time grid");
        trajectory->states[k].middleCols(col, p->states[k].cols()) = p->states[k];
        col += p->states[k].cols();
      }
    }
  }
  IntegrationStats total;
  for (const IntegrationStats& s : stats) {
    total.nfe = std::max(total.nfe, s.nfe);
    total.acceptedSteps = std::max(total.acceptedSteps, s.acceptedSteps);
    total.rejectedSteps = std::max(total.rejectedSteps, s.rejectedSteps);
  }
  return total;
}

IntegrationStats flowLogDensity(const TrainerConfig& config, const ParamVec& params,
                                const Points& x, const SolverConfig& solver, int threads,
                                PointRow& logp) {
  const int workers = std::max(1, threads);
  logp.resize(x.cols());
  std::vector<IntegrationStats> stats(static_cast<std::size_t>(workers));
  std::vector<std::string> errors(static_cast<std::size_t>(workers));
  parallelColumns(x.cols(), workers, [&](Eigen::Index b, Eigen::Index e, int w) {
    try {
      FlowEvaluator flow(config, params);
      PointRow part;
      stats[w] = flow.logDensity(x.middleCols(b, e - b), solver, part);
      logp.segment(b, e - b) = part;
    } catch (const std::exception& ex) {
      errors[w] = ex.what();
    }
  });
  for (const std::string& e : errors)
    if (!e.empty()) throw std::runtime_error(e);
  IntegrationStats total;
  for (const IntegrationStats& s : stats) total.nfe = std::max(total.nfe, s.nfe);
  return total;
}

}  // namespace flowlab::core
