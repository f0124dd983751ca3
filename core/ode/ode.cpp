// Explicit Runge–Kutta solvers on 2×N batches: Euler, midpoint, Heun, RK4 and Dormand–Prince 5(4).
#include "core/ode/ode.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/ode/step_control.hpp"

namespace flowlab::core {
namespace {

// Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer, Nørsett & Wanner, Solving ODEs I, II.5).
constexpr double kC2 = 1.0 / 5, kC3 = 3.0 / 10, kC4 = 4.0 / 5, kC5 = 8.0 / 9;
constexpr double kA21 = 1.0 / 5;
constexpr double kA31 = 3.0 / 40, kA32 = 9.0 / 40;
constexpr double kA41 = 44.0 / 45, kA42 = -56.0 / 15, kA43 = 32.0 / 9;
constexpr double kA51 = 19372.0 / 6561, kA52 = -25360.0 / 2187, kA53 = 64448.0 / 6561,
                 kA54 = -212.0 / 729;
constexpr double kA61 = 9017.0 / 3168, kA62 = -355.0 / 33, kA63 = 46732.0 / 5247, kA64 = 49.0 / 176,
                 kA65 = -5103.0 / 18656;
// 5th-order weights (also row 7 of a: the FSAL stage is evaluated at the new point).
constexpr double kB1 = 35.0 / 384, kB3 = 500.0 / 1113, kB4 = 125.0 / 192, kB5 = -2187.0 / 6784,
                 kB6 = 11.0 / 84;
// e = b − b̂ (5th minus embedded 4th order).
constexpr double kE1 = 71.0 / 57600, kE3 = -71.0 / 16695, kE4 = 71.0 / 1920,
                 kE5 = -17253.0 / 339200, kE6 = 22.0 / 525, kE7 = -1.0 / 40;
// Dense output: the 4th-order continuous extension of Dormand & Prince (Hairer et al. II.6).
constexpr double kD1 = -12715105075.0 / 11282082432, kD3 = 87487479700.0 / 32700410799,
                 kD4 = -10690763975.0 / 1880347072, kD5 = 701980252875.0 / 199316789632,
                 kD6 = -1453857185.0 / 822651844, kD7 = 69997945.0 / 29380423;

// The log-density solvers carry the augmented state (x, ℓ) as a pair of references, the plain
// solvers a bare Points, so one templated stepper serves both with no copies.
struct AugRef {
  Points& x;
  PointRow& l;
};

template <class S>
constexpr bool kIsAug = std::is_same_v<std::remove_cvref_t<S>, AugRef>;

// Applies f part by part (x, then ℓ) to states of one kind.
template <class F, class S0, class... S>
void each(F&& f, S0&& s0, S&&... s) {
  if constexpr (kIsAug<S0>) {
    f(s0.x, s.x...);
    f(s0.l, s.l...);
  } else {
    f(s0, s...);
  }
}

// O(1): dynamic Eigen matrices swap their heap pointers.
void swapState(Points& a, Points& b) { a.swap(b); }
void swapState(const AugRef& a, const AugRef& b) {
  a.x.swap(b.x);
  a.l.swap(b.l);
}

void checkShape(const Points& x, const Points& v) {
  if (v.cols() != x.cols()) throw std::logic_error("ode: the velocity field resized its output");
}

// dx/dt = v(x, t). Buffers live in a StepScratch (fixedStep) or an OdeWorkspace.
struct PlainSystem {
  const VelocityFn& field;
  std::array<Points*, 7> k{};
  Points* tmp = nullptr;
  Points* next = nullptr;
  long nfe = 0;

  Points& stage(int i) { return *k[static_cast<std::size_t>(i)]; }
  Points& scratch() { return *tmp; }
  Points& candidate() { return *next; }
  void resize(Eigen::Index n, int stages, bool candidateToo) {
    for (int i = 0; i < stages; ++i) stage(i).resize(2, n);
    tmp->resize(2, n);
    if (candidateToo) next->resize(2, n);
  }
  void eval(const Points& y, double t, Points& out) {
    field(y, t, out);
    ++nfe;
    checkShape(y, out);
  }
};

// (dx/dt, dℓ/dt) = (v, −div v): instantaneous change of variables, d log p(x_t)/dt = −tr(∂v/∂x).
struct LogDensitySystem {
  const VelocityDivFn& field;
  OdeWorkspace& ws;
  long nfe = 0;

  AugRef stage(int i) {
    const auto s = static_cast<std::size_t>(i);
    return {ws.k[s], ws.kl[s]};
  }
  AugRef scratch() { return {ws.tmp, ws.ltmp}; }
  AugRef candidate() { return {ws.next, ws.lnext}; }
  void resize(Eigen::Index n, int stages, bool candidateToo) {
    for (int i = 0; i < stages; ++i) {
      const auto s = static_cast<std::size_t>(i);
      ws.k[s].resize(2, n);
      ws.kl[s].resize(1, n);
    }
    ws.tmp.resize(2, n);
    ws.ltmp.resize(1, n);
    if (candidateToo) {
      ws.next.resize(2, n);
      ws.lnext.resize(1, n);
    }
  }
  void eval(const AugRef& y, double t, const AugRef& out) {
    field(y.x, t, out.x, out.l);
    ++nfe;
    checkShape(y.x, out.x);
    if (out.l.cols() != y.x.cols())
      throw std::logic_error("ode: the velocity field resized its divergence");
    out.l = -out.l;
  }
};

// Writes into trajectory slots in order, reusing the storage of states already there. Trims
// the vectors on destruction, so even a failed integration leaves a consistent prefix.
class Recorder {
 public:
  Recorder(Trajectory* trajectory, bool withLog) : tr_(trajectory), withLog_(withLog) {
    if (!tr_) return;
    tr_->times.clear();
    if (!withLog_) tr_->logDensities.clear();
  }
  ~Recorder() {
    if (!tr_) return;
    tr_->states.resize(count_);
    if (withLog_) tr_->logDensities.resize(count_);
  }
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  void add(double t, const Points& x) { put(t, x, nullptr); }
  void add(double t, const AugRef& s) { put(t, s.x, &s.l); }

 private:
  template <class M>
  void store(std::vector<M>& v, const M& m) {
    if (count_ < v.size())
      v[count_] = m;
    else
      v.push_back(m);
  }
  void put(double t, const Points& x, const PointRow* l) {
    if (!tr_) return;
    tr_->times.push_back(t);
    store(tr_->states, x);
    if (l) store(tr_->logDensities, *l);
    ++count_;
  }

  Trajectory* tr_;
  bool withLog_;
  std::size_t count_ = 0;
};

void validate(const SolverConfig& config, double t0, double t1, const Trajectory* trajectory) {
  if (!std::isfinite(t0) || !std::isfinite(t1))
    throw std::invalid_argument("ode: t0 and t1 must be finite");
  if (trajectory && trajectory->samples < 0)
    throw std::invalid_argument("ode: trajectory samples must be >= 0");
  switch (config.solver) {
    case Solver::Euler:
    case Solver::Midpoint:
    case Solver::Heun:
    case Solver::RK4:
      if (config.steps <= 0) throw std::invalid_argument("ode: steps must be > 0");
      return;
    case Solver::Dopri5:
      if (!(config.rtol > 0.0) || !(config.atol > 0.0) || !std::isfinite(config.rtol) ||
          !std::isfinite(config.atol))
        throw std::invalid_argument("ode: rtol and atol must be finite and > 0");
      if (config.maxSteps <= 0) throw std::invalid_argument("ode: maxSteps must be > 0");
      return;
  }
  throw std::invalid_argument("ode: unknown solver");
}

// o = y + Σ_j float(h·a[s][j])·k_j over the nonzero a[s][j], in order: the input of stage s.
// (Accumulated term by term, which rounds exactly as the one-line classic formulas do.)
template <class Sys, class Y, class O>
void stageInput(Sys& sys, const ButcherTableau& T, int s, double h, const Y& y, O&& o) {
  each([](auto& oo, const auto& yy) { oo = yy; }, o, y);
  for (int j = 0; j < s; ++j) {
    if (T.a[s][j] == 0.0) continue;
    const float c = static_cast<float>(h * T.a[s][j]);
    each([c](auto& oo, const auto& k) { oo += c * k; }, o, sys.stage(j));
  }
}

// One step of a fixed-step method from butcherTableau(): its stages, then
// y ← y + (h/d)·Σ_j m_j k_j with the weights b = m/d (ButcherTableau::bm, bd), the sum from
// k_1 in float — the classic formulas' rounding (RK4: y + h/6·(k1 + 2k2 + 2k3 + k4)).
template <class Sys, class Y>
void rkStep(Sys& sys, Solver solver, Y&& y, double t, double h) {
  if (isAdaptive(solver)) throw std::invalid_argument("ode: fixedStep needs a fixed-step solver");
  const ButcherTableau& T = butcherTableau(solver);
  auto&& tmp = sys.scratch();
  sys.eval(y, t, sys.stage(0));
  for (int s = 1; s < T.stages; ++s) {
    stageInput(sys, T, s, h, y, tmp);
    sys.eval(tmp, t + T.c[s] * h, sys.stage(s));
  }
  bool first = true;
  for (int j = 0; j < T.stages; ++j) {
    if (T.bm[j] == 0.0) continue;
    const float m = static_cast<float>(T.bm[j]);
    if (first)
      each([m](auto& acc, const auto& k) { acc = m * k; }, tmp, sys.stage(j));
    else
      each([m](auto& acc, const auto& k) { acc += m * k; }, tmp, sys.stage(j));
    first = false;
  }
  const float scale = static_cast<float>(h) / static_cast<float>(T.bd);
  each([scale](auto& yy, const auto& acc) { yy += scale * acc; }, y, tmp);
}

template <class Sys, class Y>
void fixedLoop(Sys& sys, Solver solver, Y&& y, double t0, double t1, int steps, Recorder& rec) {
  const double h = (t1 - t0) / steps;
  rec.add(t0, y);
  double t = t0;
  for (int i = 1; i <= steps; ++i) {
    const double tNext = i == steps ? t1 : t0 + i * h;  // land exactly on t1
    rkStep(sys, solver, y, t, tNext - t);
    t = tNext;
    rec.add(t, y);
  }
}

// RMS over all entries (x and ℓ) of v / (atol + rtol·|y|), in double.
template <class V, class Y>
double scaledRms(const V& v, const Y& y, double atol, double rtol) {
  double sum = 0.0;
  Eigen::Index count = 0;
  each(
      [&](const auto& vv, const auto& yy) {
        sum += (vv.array().template cast<double>() /
                (atol + rtol * yy.array().abs().template cast<double>()))
                   .square()
                   .sum();
        count += vv.size();
      },
      v, y);
  return count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0.0;
}

// The starting step of Dopri5 (StepControl); k1 = v(y0, t0). Uses the scratch and stage 2
// buffers; one field evaluation.
template <class Sys, class Y>
double initialStep(Sys& sys, Y&& y, double t0, const ode_detail::StepControl& ctl, double atol,
                   double rtol) {
  auto&& k1 = sys.stage(0);
  auto&& f1 = sys.stage(1);
  auto&& tmp = sys.scratch();
  const double d1 = scaledRms(k1, y, atol, rtol);
  const double h0 = ode_detail::StepControl::firstGuess(scaledRms(y, y, atol, rtol), d1, ctl.span);
  const float step = static_cast<float>(ctl.dir * h0);
  each([&](auto& o, const auto& yy, const auto& a) { o = yy + step * a; }, tmp, y, k1);
  sys.eval(tmp, t0 + ctl.dir * h0, f1);
  each([&](auto& b, const auto& a) { b -= a; }, f1, k1);
  return ctl.initial(h0, d1, scaledRms(f1, y, atol, rtol) / h0);
}

// Dense output y(t + θh), θ ∈ [0, 1], from the stages of the accepted step y0 → y1 (the
// Dormand–Prince continuous extension written as one linear combination):
//   y0 + θ²(3 − 2θ)(y1 − y0) + h[θ(1−θ)² k1 − θ²(1−θ) k7 + θ²(1−θ)² Σ d_i k_i].
template <class Sys, class Y0, class Y1, class O>
void denseOutput(Sys& sys, const Y0& y0, const Y1& y1, double h, double theta, O&& out) {
  const double th = theta, om = 1.0 - theta;
  const auto cy = static_cast<float>(th * th * (3.0 - 2.0 * th));
  const double q = h * th * th * om * om;
  const auto c1 = static_cast<float>(h * th * om * om + q * kD1);
  const auto c3 = static_cast<float>(q * kD3), c4 = static_cast<float>(q * kD4);
  const auto c5 = static_cast<float>(q * kD5), c6 = static_cast<float>(q * kD6);
  const auto c7 = static_cast<float>(-h * th * th * om + q * kD7);
  each(
      [&](auto& o, const auto& a, const auto& b, const auto& k1, const auto& k3, const auto& k4,
          const auto& k5, const auto& k6, const auto& k7) {
        o = a + cy * (b - a) + c1 * k1 + c3 * k3 + c4 * k4 + c5 * k5 + c6 * k6 + c7 * k7;
      },
      out, y0, y1, sys.stage(0), sys.stage(2), sys.stage(3), sys.stage(4), sys.stage(5),
      sys.stage(6));
}

template <class Sys, class Y>
void dopri5(Sys& sys, Y&& y, double t0, double t1, const SolverConfig& config, int samples,
            Recorder& rec, IntegrationStats& stats) {
  const ButcherTableau& T = butcherTableau(Solver::Dopri5);
  const double atol = config.atol, rtol = config.rtol;
  ode_detail::StepControl ctl{t1 > t0 ? 1.0 : -1.0, std::abs(t1 - t0), t1, config.maxSteps,
                              "dopri5"};
  const double dir = ctl.dir;
  auto&& k1 = sys.stage(0);
  auto&& k7 = sys.stage(6);
  auto&& tmp = sys.scratch();
  auto&& next = sys.candidate();

  sys.eval(y, t0, k1);
  double h = initialStep(sys, y, t0, ctl, atol, rtol);
  rec.add(t0, y);
  int nextSample = 1;  // samples > 0: sample j sits at t0 + (t1 − t0)·j/samples

  double t = t0;
  for (;;) {
    bool last;
    ctl.begin(t, h, last);
    const double tNew = last ? t1 : t + h;
    // Stages 2…6 at t + c_s·h; stage 7 (a[6] = b) is the 5th-order solution, evaluated at the
    // new point: the next step's first stage if this one is accepted (FSAL).
    for (int s = 1; s < 7; ++s) {
      stageInput(sys, T, s, h, y, s == 6 ? next : tmp);
      sys.eval(s == 6 ? next : tmp, s == 6 ? tNew : t + T.c[s] * h, sys.stage(s));
    }

    // err = h·Σ e_i k_i, scaled by atol + rtol·max(|y_old|, |y_new|), RMS over every entry.
    double sum = 0.0;
    Eigen::Index count = 0;
    each(
        [&](const auto& y0, const auto& y1, const auto& a, const auto& c, const auto& d,
            const auto& e, const auto& g, const auto& k) {
          const auto err = h * (T.e[0] * a.array().template cast<double>() +
                                T.e[2] * c.array().template cast<double>() +
                                T.e[3] * d.array().template cast<double>() +
                                T.e[4] * e.array().template cast<double>() +
                                T.e[5] * g.array().template cast<double>() +
                                T.e[6] * k.array().template cast<double>());
          const auto scale =
              atol + rtol * y0.array().abs().max(y1.array().abs()).template cast<double>();
          sum += (err / scale).square().sum();
          count += y0.size();
        },
        y, next, k1, sys.stage(2), sys.stage(3), sys.stage(4), sys.stage(5), k7);
    const double err = count > 0 ? std::sqrt(sum / static_cast<double>(count)) : 0.0;

    if (err <= 1.0) {
      ++stats.acceptedSteps;
      if (samples > 0) {
        const double hTaken = tNew - t;
        for (; nextSample <= samples; ++nextSample) {
          const double ts = nextSample == samples
                                ? t1
                                : t0 + (t1 - t0) * static_cast<double>(nextSample) / samples;
          if (dir * (ts - tNew) > 0.0) break;
          if (ts == tNew) {
            rec.add(ts, next);
          } else {
            denseOutput(sys, y, next, hTaken, (ts - t) / hTaken, tmp);
            rec.add(ts, tmp);
          }
        }
      }
      swapState(y, next);
      swapState(k1, k7);  // FSAL: v at the new point is the next step's first stage
      t = tNew;
      if (samples == 0) rec.add(t, y);
      if (last) return;
    } else {
      ++stats.rejectedSteps;
    }
    h = ctl.next(h, err);
  }
}

int numStages(Solver s) { return s == Solver::Dopri5 ? 7 : stagesPerStep(s); }

template <class Sys, class Y>
IntegrationStats run(Sys& sys, Y&& y, Eigen::Index n, double t0, double t1,
                     const SolverConfig& config, Trajectory* trajectory, bool withLog) {
  validate(config, t0, t1, trajectory);
  const bool adaptive = isAdaptive(config.solver);
  const int samples = trajectory ? trajectory->samples : 0;
  Recorder rec(trajectory, withLog);
  IntegrationStats stats;
  if (t0 == t1) {
    const int copies = adaptive ? samples + 1 : config.steps + 1;
    for (int i = 0; i < copies; ++i) rec.add(t0, y);
    return stats;
  }
  sys.resize(n, numStages(config.solver), adaptive);
  if (adaptive) {
    dopri5(sys, y, t0, t1, config, samples, rec, stats);
  } else {
    fixedLoop(sys, config.solver, y, t0, t1, config.steps, rec);
    stats.acceptedSteps = config.steps;
  }
  stats.nfe = sys.nfe;
  return stats;
}

PlainSystem plainSystem(const VelocityFn& field, OdeWorkspace& ws) {
  PlainSystem sys{field};
  for (std::size_t i = 0; i < 7; ++i) sys.k[i] = &ws.k[i];
  sys.tmp = &ws.tmp;
  sys.next = &ws.next;
  return sys;
}

}  // namespace

std::string_view solverName(Solver s) {
  switch (s) {
    case Solver::Euler:
      return "euler";
    case Solver::Midpoint:
      return "midpoint";
    case Solver::Heun:
      return "heun";
    case Solver::RK4:
      return "rk4";
    case Solver::Dopri5:
      return "dopri5";
  }
  return "unknown";
}

std::optional<Solver> parseSolver(std::string_view name) {
  std::string lower(name);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (Solver s : {Solver::Euler, Solver::Midpoint, Solver::Heun, Solver::RK4, Solver::Dopri5})
    if (lower == solverName(s)) return s;
  return std::nullopt;
}

int stagesPerStep(Solver s) {
  switch (s) {
    case Solver::Euler:
      return 1;
    case Solver::Midpoint:
      return 2;
    case Solver::Heun:
      return 2;
    case Solver::RK4:
      return 4;
    case Solver::Dopri5:
      return 6;
  }
  return 0;
}

bool isAdaptive(Solver s) { return s == Solver::Dopri5; }

IntegrationStats integrate(const VelocityFn& field, Points& x, double t0, double t1,
                           const SolverConfig& config, Trajectory* trajectory) {
  OdeWorkspace ws;
  return integrate(field, x, t0, t1, config, ws, trajectory);
}

IntegrationStats integrate(const VelocityFn& field, Points& x, double t0, double t1,
                           const SolverConfig& config, OdeWorkspace& workspace,
                           Trajectory* trajectory) {
  PlainSystem sys = plainSystem(field, workspace);
  return run(sys, x, x.cols(), t0, t1, config, trajectory, false);
}

IntegrationStats integrateWithLogDensity(const VelocityDivFn& field, Points& x,
                                         PointRow& logDensity, double t0, double t1,
                                         const SolverConfig& config, Trajectory* trajectory) {
  OdeWorkspace ws;
  return integrateWithLogDensity(field, x, logDensity, t0, t1, config, ws, trajectory);
}

IntegrationStats integrateWithLogDensity(const VelocityDivFn& field, Points& x,
                                         PointRow& logDensity, double t0, double t1,
                                         const SolverConfig& config, OdeWorkspace& workspace,
                                         Trajectory* trajectory) {
  if (logDensity.cols() != x.cols())
    throw std::invalid_argument("ode: logDensity must have one entry per point");
  LogDensitySystem sys{field, workspace};
  return run(sys, AugRef{x, logDensity}, x.cols(), t0, t1, config, trajectory, true);
}

int fixedStep(Solver solver, const VelocityFn& field, Points& x, double t, double h,
              StepScratch& scratch) {
  if (isAdaptive(solver)) throw std::invalid_argument("ode: fixedStep needs a fixed-step solver");
  if (!std::isfinite(t) || !std::isfinite(h))
    throw std::invalid_argument("ode: t and h must be finite");
  PlainSystem sys{field};
  sys.k = {&scratch.k1, &scratch.k2, &scratch.k3, &scratch.k4, nullptr, nullptr, nullptr};
  sys.tmp = &scratch.tmp;
  sys.resize(x.cols(), stagesPerStep(solver), false);
  rkStep(sys, solver, x, t, h);
  return static_cast<int>(sys.nfe);
}

const ButcherTableau& butcherTableau(Solver solver) {
  static const std::array<ButcherTableau, 5> tables = [] {
    std::array<ButcherTableau, 5> tb{};
    ButcherTableau& euler = tb[0];
    euler.stages = 1;
    euler.b[0] = 1.0;
    euler.bm[0] = 1.0;
    ButcherTableau& mid = tb[1];
    mid.stages = 2;
    mid.a[1][0] = 0.5;
    mid.c[1] = 0.5;
    mid.b[1] = 1.0;
    mid.bm[1] = 1.0;
    ButcherTableau& heun = tb[2];
    heun.stages = 2;
    heun.a[1][0] = 1.0;
    heun.c[1] = 1.0;
    heun.b[0] = heun.b[1] = 0.5;
    heun.bm[0] = heun.bm[1] = 1.0;
    heun.bd = 2;
    ButcherTableau& rk4 = tb[3];
    rk4.stages = 4;
    rk4.a[1][0] = 0.5;
    rk4.a[2][1] = 0.5;
    rk4.a[3][2] = 1.0;
    rk4.c = {0.0, 0.5, 0.5, 1.0};
    rk4.b = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6};
    rk4.bm = {1.0, 2.0, 2.0, 1.0};
    rk4.bd = 6;
    ButcherTableau& dp = tb[4];
    dp.stages = 7;
    dp.c = {0.0, kC2, kC3, kC4, kC5, 1.0, 1.0};
    dp.a[1] = {kA21};
    dp.a[2] = {kA31, kA32};
    dp.a[3] = {kA41, kA42, kA43};
    dp.a[4] = {kA51, kA52, kA53, kA54};
    dp.a[5] = {kA61, kA62, kA63, kA64, kA65};
    dp.a[6] = {kB1, 0.0, kB3, kB4, kB5, kB6};
    dp.b = {kB1, 0.0, kB3, kB4, kB5, kB6, 0.0};
    dp.e = {kE1, 0.0, kE3, kE4, kE5, kE6, kE7};
    return tb;
  }();
  switch (solver) {
    case Solver::Euler:
      return tables[0];
    case Solver::Midpoint:
      return tables[1];
    case Solver::Heun:
      return tables[2];
    case Solver::RK4:
      return tables[3];
    case Solver::Dopri5:
      return tables[4];
  }
  throw std::invalid_argument("ode: unknown solver");
}

}  // namespace flowlab::core
