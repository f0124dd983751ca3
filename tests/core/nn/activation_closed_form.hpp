// σ(z), σ'(z), σ''(z) of every activation in double from their textbook closed forms: the
// reference the MLP's and the dense kernels' tests compare against.
#pragma once

#include <algorithm>
#include <cmath>

#include "core/nn/mlp.hpp"

namespace flowlab::test {

struct ActivationValues {
  double h, d, dd;  // σ(z), σ'(z), σ''(z)
};

inline ActivationValues activationClosedForm(core::Activation a, double z) {
  constexpr double kSeluLambda = 1.0507009873554805, kSeluAlpha = 1.6732632423543772;
  switch (a) {
    case core::Activation::Tanh: {
      const double h = std::tanh(z), d = 1.0 - h * h;
      return {h, d, -2.0 * h * d};
    }
    case core::Activation::SiLU: {
      const double s = 1.0 / (1.0 + std::exp(-z));
      return {z * s, s * (1.0 + z * (1.0 - s)), s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s))};
    }
    case core::Activation::SELU: {
      const double e = kSeluLambda * kSeluAlpha * std::exp(std::min(z, 0.0));
      if (z > 0) return {kSeluLambda * z, kSeluLambda, 0.0};
      return {kSeluLambda * kSeluAlpha * std::expm1(z), e, e};
    }
    case core::Activation::Softplus: {
      const double s = 1.0 / (1.0 + std::exp(-z));
      return {std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z))), s, s * (1.0 - s)};
    }
  }
  return {NAN, NAN, NAN};
}

}  // namespace flowlab::test
