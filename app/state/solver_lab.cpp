// The solver lab's state (see solver_lab.hpp).
#include "app/state/solver_lab.hpp"

#include <algorithm>

namespace flowlab::app {

core::SolverConfig SolverLab::config() const {
  if (core::isAdaptive(solver)) return core::SolverConfig::dopri5(tolerance, tolerance);
  return core::SolverConfig::fixed(solver, steps);
}

core::SolverLabRequest SolverLab::request(const core::ViewSettings& view,
                                          core::FlowDirection direction) const {
  core::SolverLabRequest r;
  r.on = on;
  r.solver = config();
  r.direction = direction;
  r.particles = std::max(1, view.particleCount);
  r.seeds = seeds;
  const int placed = static_cast<int>(seeds.size() / 2);
  r.highlighted =
      std::clamp(std::max(highlighted, placed), 0, std::min(kMaxHighlighted, r.count()));
  r.epoch = epoch;
  r.stage = stage;
  return r;
}

bool SolverLab::shows(const core::SolverLabLayer* layer, core::FlowDirection direction,
                      const core::ViewSettings& view) const {
  return layer && layer->request == request(view, direction);
}

int SolverLab::lastStep(const core::SolverLabLayer* layer, core::FlowDirection direction,
                        const core::ViewSettings& view) const {
  if (shows(layer, direction, view)) return layer->steps();
  return core::isAdaptive(solver) ? 0 : steps;
}

void SolverLab::toggle() {
  on = !on;
  if (on) {
    ++epoch;
    reset();
  }
}

void SolverLab::takeNewestModel() { ++epoch; }

void SolverLab::addSeed(double x, double y) {
  if (seeds.size() / 2 >= static_cast<std::size_t>(kMaxHighlighted))
    seeds.erase(seeds.begin(), seeds.begin() + 2);
  seeds.push_back(static_cast<float>(x));
  seeds.push_back(static_cast<float>(y));
  reset();
}

void SolverLab::clearSeeds() {
  seeds.clear();
  reset();
}

void SolverLab::toEnd(int last) {
  running = false;
  step = std::max(last, 0);
}

void SolverLab::runOrStop(int last) {
  if (running) {
    running = false;
    return;
  }
  if (step >= last) step = 0;
  running = true;
}

void SolverLab::forward(int last) { step = std::min(step + 1, std::max(last, 0)); }

void SolverLab::back() {
  running = false;
  step = std::max(step - 1, 0);
}

void SolverLab::reset() {
  running = false;
  step = 0;
}

void SolverLab::choose(core::Solver s, int n, double tol) {
  n = std::clamp(n, 1, kMaxSteps);
  if (s == solver && n == steps && tol == tolerance) return;
  solver = s;
  steps = n;
  tolerance = tol;
  reset();
}

bool SolverLab::tick(double now, int last) {
  if (!running) {
    lastAdvance_ = -1.0;
    return false;
  }
  if (step >= last) {
    running = false;
    return false;
  }
  if (lastAdvance_ < 0.0 || now - lastAdvance_ >= stepSeconds) {
    lastAdvance_ = now;
    forward(last);
    return true;
  }
  return false;
}

double labTime(const SolverLab& lab, const core::SolverLabLayer* layer,
               core::FlowDirection direction, const core::ViewSettings& view) {
  const bool forward = direction == core::FlowDirection::Generate;
  if (lab.shows(layer, direction, view) && !layer->run.times.empty())
    return layer->run.times[static_cast<std::size_t>(
        std::clamp(lab.step, 0, static_cast<int>(layer->run.times.size()) - 1))];
  const int n = core::isAdaptive(lab.solver) ? 1 : lab.steps;
  const double s = std::clamp(static_cast<double>(lab.step) / n, 0.0, 1.0);
  return forward ? s : 1.0 - s;
}

}  // namespace flowlab::app
