// Methods trained side by side (see method_race.hpp).
#include "core/compare/method_race.hpp"

#include <stdexcept>

namespace flowlab::core {

MethodRace::MethodRace(const ComparisonPlan& plan, std::shared_ptr<const Target> target) {
  if (plan.methods.empty()) throw std::invalid_argument("compare: no method to train");
  if (!target) throw std::invalid_argument("compare: no target");
  ComparisonPlan one = plan;
  one.threads = 1;  // the trainers share the cores between them
  std::vector<TrainerConfig> configs;
  for (Method m : plan.methods)
    configs.push_back(entryConfig(one, m));  // every config checked first
  for (const TrainerConfig& c : configs)
    trainers_.push_back(std::make_unique<Trainer>(c, target, false, true));
}

std::vector<std::shared_ptr<const Snapshot>> MethodRace::snapshots() const {
  std::vector<std::shared_ptr<const Snapshot>> out;
  out.reserve(trainers_.size());
  for (const auto& t : trainers_) out.push_back(t->snapshot());
  return out;
}

void MethodRace::setPaused(bool paused) {
  for (const auto& t : trainers_) t->setPaused(paused);
}

bool MethodRace::paused() const { return !trainers_.empty() && trainers_.front()->paused(); }

void MethodRace::setTarget(const std::shared_ptr<const Target>& target) {
  for (const auto& t : trainers_) t->setTarget(target);
}

}  // namespace flowlab::core
