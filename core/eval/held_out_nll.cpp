// Held-out NLL checkpoints and the training-only clock (see held_out_nll.hpp).
#include "core/eval/held_out_nll.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "core/eval/flow_evaluator.hpp"
#include "core/eval/metrics.hpp"

namespace flowlab::core {

HeldOutNll::HeldOutNll(const Target& target, long n, std::uint64_t seed, int threads)
    : threads_(threads) {
  if (n < 1) throw std::invalid_argument("held-out NLL needs at least one point");
  points_.resize(2, n);
  Rng rng = Rng(seed).split(kStream);
  target.sample(points_, rng);
}

void HeldOutNll::score(const TrainerConfig& config, const ParamVec& params, double& nllFine,
                       double& nllTrainSolver) const {
  PointRow logp;
  flowLogDensity(config, params, points_, kFineSolver, threads_, logp);
  nllFine = meanNll(logp);
  nllTrainSolver = std::numeric_limits<double>::quiet_NaN();
  if (config.method == Method::Cnf || config.method == Method::ReverseKl) {
    flowLogDensity(config, params, points_, config.cnf.solver, threads_, logp);
    nllTrainSolver = meanNll(logp);
  }
}

double TrainingClock::wallNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double TrainingClock::cpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void TrainingClock::start() {
  wallStart_ = wallNow();
  cpuStart_ = cpuNow();
}

void TrainingClock::stop() {
  wall_ += wallNow() - wallStart_;
  cpu_ += cpuNow() - cpuStart_;
}

std::string checkpointsCsv(const std::vector<NllCheckpoint>& rows) {
  std::string text =
      "step,train_s,train_cpu_s,nll_fine,nll_train_solver,loss,nfe_forward,nfe_backward\n";
  char buf[256];
  auto num = [](double v, char* out, std::size_t size) {
    if (std::isfinite(v))
      std::snprintf(out, size, "%.6f", v);
    else
      std::snprintf(out, size, "nan");
  };
  for (const NllCheckpoint& r : rows) {
    char a[32], b[32], c[32], d[32], e[32];
    num(r.trainSeconds, a, sizeof a);
    num(r.trainCpuSeconds, b, sizeof b);
    num(r.nllFine, c, sizeof c);
    num(r.nllTrainSolver, d, sizeof d);
    num(r.loss, e, sizeof e);
    const int len = std::snprintf(buf, sizeof buf, "%ld,%s,%s,%s,%s,%s,%ld,%ld\n", r.step, a, b, c,
                                  d, e, r.nfeForward, r.nfeBackward);
    text.append(buf, static_cast<std::size_t>(len));
  }
  return text;
}

}  // namespace flowlab::core
