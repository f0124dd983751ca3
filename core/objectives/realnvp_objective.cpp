// RealNVP's training objective: maximum likelihood on fresh target samples (realnvp.hpp).
#include <memory>
#include <stdexcept>
#include <string>

#include "core/nn/realnvp.hpp"
#include "core/objectives/objective.hpp"

namespace flowlab::core {

namespace {

// Maximum likelihood on fresh target samples: L = −mean log p(x), x ~ target. Runs on the
// caller's thread only (config.threads is not used): a step of the default model is about a
// millisecond, too short to split a batch over threads started per call.
class RealNvpObjective final : public Objective {
 public:
  RealNvpObjective(const TrainerConfig& config, std::shared_ptr<const Target> target)
      : flow_(config.mlp, config.couplingLayers),
        target_(std::move(target)),
        batch_(2, config.batch) {
    if (!target_) throw std::invalid_argument("realnvp: no target");
    if (config.batch < 1) throw std::invalid_argument("realnvp: batch must be >= 1");
  }

  double lossAndGradient(const ParamVec& theta, ParamVec& grad, Rng& rng) override {
    if (theta.size() != flow_.paramCount())
      throw std::invalid_argument("realnvp: expected " + std::to_string(flow_.paramCount()) +
                                  " parameters, got " + std::to_string(theta.size()));
    target_->sample(batch_, rng);
    return flow_.nllAndGradient(theta.data(), batch_, grad, ws_);
  }

  void setBatch(int batch) override {
    if (batch < 1) throw std::invalid_argument("realnvp: batch must be >= 1");
    batch_.resize(2, batch);
  }
  void setTarget(std::shared_ptr<const Target> target) override {
    if (!target) throw std::invalid_argument("realnvp: no target");
    target_ = std::move(target);
  }

 private:
  RealNvp flow_;
  std::shared_ptr<const Target> target_;
  Points batch_;
  RealNvpWorkspace ws_;
};

}  // namespace

std::unique_ptr<Objective> makeRealNvpObjective(const TrainerConfig& config,
                                                std::shared_ptr<const Target> target) {
  return std::make_unique<RealNvpObjective>(config, std::move(target));
}

}  // namespace flowlab::core
