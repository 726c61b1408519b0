// kohort/sim/internal/distributions.h — the simulator's random variates over kohort::Rng.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "kohort/core/rng.h"

namespace kohort::sim::internal {

/// Exponential with the given rate (> 0): −log(1 − U) / rate (1 − U lies in (0, 1]).
[[nodiscard]] inline double exponential(Rng& rng, double rate) {
  return -std::log(1.0 - rng.uniform()) / rate;
}

/// Standard normal by Marsaglia's polar method (no trigonometry; one value per call, the
/// second one discarded so that the stream position depends only on the call count).
[[nodiscard]] inline double normal(Rng& rng) {
  for (;;) {
    const double u = 2.0 * rng.uniform() - 1.0;
    const double v = 2.0 * rng.uniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

/// Gamma(shape, scale), shape > 0, scale > 0. Marsaglia & Tsang (2000), "A simple method for
/// generating gamma variables", ACM TOMS 26(3); shape < 1 via the U^(1/shape) boost.
[[nodiscard]] inline double gamma(Rng& rng, double shape, double scale) {
  double boost = 1.0;
  if (shape < 1.0) {
    double u = rng.uniform();
    while (u <= 0.0) u = rng.uniform();
    boost = std::pow(u, 1.0 / shape);
    shape += 1.0;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = normal(rng);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    const double u = rng.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v * scale * boost;
    if (u > 0.0 && std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v)))
      return d * v * scale * boost;
  }
}

/// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
[[nodiscard]] inline double beta(Rng& rng, double a, double b) {
  const double x = gamma(rng, a, 1.0);
  const double y = gamma(rng, b, 1.0);
  return x / (x + y);
}

/// Poisson(mean), mean ≥ 0: multiplication of uniforms below 30, else a rounded normal
/// (the simulator's means above 30 are rare and need no exact tail).
[[nodiscard]] inline std::int64_t poisson(Rng& rng, double mean) {
  if (mean <= 0.0) return 0;
  if (mean < 30.0) {
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    double prod = rng.uniform();
    while (prod > limit) {
      ++k;
      prod *= rng.uniform();
    }
    return k;
  }
  const double x = std::round(mean + std::sqrt(mean) * normal(rng));
  return x < 0 ? 0 : static_cast<std::int64_t>(x);
}

/// True with probability p.
[[nodiscard]] inline bool bernoulli(Rng& rng, double p) { return rng.uniform() < p; }

/// Index drawn with probabilities proportional to `weights` (non-negative, positive sum).
[[nodiscard]] inline int categorical(Rng& rng, std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double u = rng.uniform() * total;
  const int n = static_cast<int>(weights.size());
  for (int i = 0; i < n - 1; ++i) {
    u -= weights[static_cast<std::size_t>(i)];
    if (u < 0) return i;
  }
  return n - 1;
}

/// Dirichlet(concentration · centre) into `out` (same size as centre; sums to 1).
inline void dirichlet(Rng& rng, std::span<const double> centre, double concentration,
                      std::span<double> out) {
  double total = 0;
  for (std::size_t i = 0; i < centre.size(); ++i) {
    out[i] = gamma(rng, std::max(1e-3, concentration * centre[i]), 1.0);
    total += out[i];
  }
  for (double& v : out) v /= total;
}

}  // namespace kohort::sim::internal
