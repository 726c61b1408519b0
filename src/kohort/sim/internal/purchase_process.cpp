#include "kohort/sim/internal/purchase_process.h"

#include <algorithm>
#include <cmath>

#include "kohort/sim/internal/distributions.h"

namespace kohort::sim::internal {

namespace {

// November and December hold 61 of a year's 365 days; dividing by the year's mean multiplier
// keeps lambda the mean daily rate over a year (so truth.csv's lambda is the long-run rate).
double season_norm(double q4) { return 1.0 / (1.0 + q4 * 61.0 / 365.0); }

}  // namespace

double RateModulation::at(Seconds t) const {
  double m = 1.0;
  if (q4 != 0.0) {
    const unsigned month = civil_from_days(day_of(t)).month;
    m = (month >= 11 ? 1.0 + q4 : 1.0) * season_norm(q4);
  }
  if (t >= drift_at) m *= drift_factor;
  return m;
}

double RateModulation::bound() const {
  const double season = q4 > 0.0 ? (1.0 + q4) * season_norm(q4) : 1.0;
  return season * (drift_at == kNever ? 1.0 : std::max(1.0, drift_factor));
}

PurchaseRun simulate_purchases(Rng& rng, double lambda, double p, Seconds t0, Seconds t_end,
                               const RateModulation& m, std::vector<Seconds>& times) {
  PurchaseRun run;
  if (t0 >= t_end) return run;
  times.push_back(t0);
  const double bound = m.bound();
  const double rate_per_second = lambda * bound / static_cast<double>(kSecondsPerDay);
  const double horizon = static_cast<double>(t_end);
  double t = static_cast<double>(t0);
  for (;;) {
    t += exponential(rng, rate_per_second);
    if (t >= horizon) break;
    const auto ts = static_cast<Seconds>(t);
    const double accept = m.at(ts) / bound;
    if (accept < 1.0 && rng.uniform() >= accept) continue;
    times.push_back(ts);
    if (rng.uniform() < p) {
      run.dropout = ts;
      run.alive_at_end = false;
      break;
    }
  }
  return run;
}

void poisson_times(Rng& rng, double rate_per_day, Seconds from, Seconds to,
                   std::vector<Seconds>& times) {
  if (rate_per_day <= 0.0 || from >= to) return;
  const double rate_per_second = rate_per_day / static_cast<double>(kSecondsPerDay);
  const double horizon = static_cast<double>(to);
  double t = static_cast<double>(from);
  for (;;) {
    t += exponential(rng, rate_per_second);
    if (t >= horizon) return;
    times.push_back(static_cast<Seconds>(t));
  }
}

}  // namespace kohort::sim::internal
