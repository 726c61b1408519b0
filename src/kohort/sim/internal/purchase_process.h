// kohort/sim/internal/purchase_process.h — one customer's BG/NBD purchase instants.
#pragma once

#include <limits>
#include <vector>

#include "kohort/core/rng.h"
#include "kohort/core/time.h"

namespace kohort::sim::internal {

inline constexpr Seconds kNever = std::numeric_limits<Seconds>::max();

/// Time-varying multiplier of the purchase rate: November and December run at (1 + q4) times
/// the other months, normalised so that the mean over a year is 1 (q4 ≥ 0); times
/// drift_factor from drift_at on. The default is the constant 1 (a pure BG/NBD process).
struct RateModulation {
  double q4 = 0;
  Seconds drift_at = kNever;
  double drift_factor = 1;

  [[nodiscard]] double at(Seconds t) const;
  /// An upper bound of at(t) over all t (for thinning).
  [[nodiscard]] double bound() const;
};

/// How a customer's purchase process ended.
struct PurchaseRun {
  Seconds dropout = kNever;  ///< instant of the purchase after which the customer dropped out
  bool alive_at_end = true;  ///< still alive at t_end
};

/// Simulates the BG/NBD process (Fader, Hardie & Lee 2005, "Counting your customers the easy
/// way", Marketing Science 24(2)): the customer is born with a purchase at t0; while alive,
/// repeat purchases arrive as a Poisson process of rate lambda · m(t) per day (non-homogeneous
/// rates by thinning); after each repeat purchase the customer drops out with probability p.
/// Appends t0 (when t0 < t_end) and every repeat purchase before t_end to `times`, in order.
/// With m ≡ 1, E[#repeat purchases in (t0, t0 + t]] = (1 − e^{−λ·p·t}) / p.
/// REQUIRES: lambda > 0, 0 ≤ p ≤ 1.
PurchaseRun simulate_purchases(Rng& rng, double lambda, double p, Seconds t0, Seconds t_end,
                               const RateModulation& m, std::vector<Seconds>& times);

/// Appends the instants of a homogeneous Poisson process of `rate_per_day` on [from, to).
void poisson_times(Rng& rng, double rate_per_day, Seconds from, Seconds to,
                   std::vector<Seconds>& times);

}  // namespace kohort::sim::internal
