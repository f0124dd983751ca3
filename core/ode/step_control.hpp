// Dormand–Prince 5(4)'s step-size control, one copy for every adaptive solve (the plain and
// log-density solves of ode.cpp, the CNF's forward and adjoint solves): the starting step and a
// PI controller (Hairer, Nørsett & Wanner, Solving ODEs I, II.4, with β = 0.04), so every solve
// of the same field takes the same steps. Internal to core/ode. A plain value; caller's thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace flowlab::core::ode_detail {

constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0;
constexpr double kBeta = 0.04, kAlpha = 0.2 - 0.75 * kBeta;

struct StepControl {
  double dir, span, t1;  // direction of time (±1), |t1 − t0|, the end
  int maxSteps;
  const char* who;  // names the solve in messages
  double errPrev = 1e-4;
  bool lastRejected = false;
  int attempts = 0;

  // Starting step (Hairer, Nørsett & Wanner II.4): the first guess from the scaled RMS norms
  // d0 = ‖y0‖, d1 = ‖f0‖…
  static double firstGuess(double d0, double d1, double span) {
    return std::min((d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1, span);
  }
  // … then refined with d2 = ‖f(y0 + h0·f0) − f0‖ / h0. Returns the signed step.
  double initial(double h0, double d1, double d2) const {
    const double dMax = std::max(d1, d2);
    const double h1 = dMax <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / dMax, 0.2);
    return dir * std::min({100.0 * h0, h1, span});
  }
  // Before an attempt from t: clips h to land on t1 (sets last) and enforces the limits.
  void begin(double t, double& h, bool& last) {
    if (attempts++ >= maxSteps)
      throw std::runtime_error(std::string(who) +
                               ": more than maxSteps = " + std::to_string(maxSteps) +
                               " step attempts before t1; tolerance too tight or field too stiff");
    last = false;
    if (dir * (t + h - t1) >= 0.0) {
      h = t1 - t;
      last = true;
    }
    if (std::abs(h) <= 16.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(t)))
      throw std::runtime_error(std::string(who) + ": step size underflow at t = " +
                               std::to_string(t) + " (non-finite or stiff field?)");
  }
  // After an attempt with scaled RMS error err: the next step (PI control on acceptance).
  double next(double h, double err) {
    if (err <= 1.0) {
      double factor =
          err == 0.0 ? kMaxFactor : kSafety * std::pow(err, -kAlpha) * std::pow(errPrev, kBeta);
      factor = std::clamp(factor, kMinFactor, kMaxFactor);
      if (lastRejected) factor = std::min(factor, 1.0);  // no growth right after a rejection
      errPrev = std::max(err, 1e-4);
      lastRejected = false;
      return h * factor;
    }
    // NaN/inf error (a diverging field) shrinks by the minimum factor until underflow throws.
    lastRejected = true;
    return h *
           std::max(kMinFactor, std::isfinite(err) ? kSafety * std::pow(err, -0.2) : kMinFactor);
  }
};

}  // namespace flowlab::core::ode_detail
