#include "kohort/clv/internal/bg_family.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "kohort/clv/internal/optimize.h"
#include "kohort/clv/internal/special.h"
#include "kohort/core/parallel.h"

namespace kohort::clv::internal {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// ln of the second term's weight a/(b + x − 1 + s) · (α + t_x)^−(r+x), or −∞ when BG/NBD has
// no such term (x = 0: no purchase after which to drop out).
double dropout_term(int shift, const FamilyParams& p, double log_a, double x, double t_x) {
  if (shift == 0 && x <= 0) return kMinusInf;
  return log_a - std::log(p.b + x - 1 + shift) - (p.r + x) * std::log(p.alpha + t_x);
}

Status check_summary(std::span<const double> x, std::span<const double> t_x, std::span<const double> T,
                     const char* what) {
  if (t_x.size() != x.size() || T.size() != x.size())
    return Status::internal(what, "summary columns differ in length");
  std::size_t repeaters = 0;
  for (std::size_t u = 0; u < x.size(); ++u) {
    if (!(x[u] >= 0) || !(t_x[u] >= 0) || !(T[u] >= 0) || t_x[u] > T[u] + 1e-9 || (x[u] == 0 && t_x[u] != 0))
      return Status::invalid_input(fmt::format("customer #{}", u),
                                   fmt::format("inconsistent summary x = {}, t_x = {}, T = {}", x[u], t_x[u], T[u]),
                                   "need x ≥ 0, 0 ≤ t_x ≤ T, and t_x = 0 when x = 0");
    repeaters += x[u] > 0;
  }
  if (repeaters < 2)
    return Status::invalid_input(what, fmt::format("only {} customer(s) made a repeat purchase", repeaters),
                                 "the model needs repeat purchases; use a later calibration end or more data");
  return {};
}

}  // namespace

double family_log_likelihood(int s, const FamilyParams& p, double x, double t_x, double T) {
  const double a1 = std::lgamma(p.r + x) - std::lgamma(p.r) + p.r * std::log(p.alpha);
  const double a2 = std::lgamma(p.a + p.b) + std::lgamma(p.b + x + s) - std::lgamma(p.b) -
                    std::lgamma(p.a + p.b + x + s);
  const double a3 = -(p.r + x) * std::log(p.alpha + T);
  return a1 + a2 + log_add_exp(a3, dropout_term(s, p, std::log(p.a), x, t_x));
}

Result<FamilyFit> fit_family(const Context& ctx, int s, std::span<const double> x, std::span<const double> t_x,
                             std::span<const double> T, const char* what) {
  KOHORT_RETURN_IF_ERROR(check_summary(x, t_x, T, what));
  const auto n = static_cast<index_t>(x.size());
  // x is a count: the Γ terms depend on x alone, so they are tabulated once per evaluation
  // over the distinct counts, and each customer costs a few logarithms.
  double max_x = 0;
  for (double v : x) max_x = std::max(max_x, v);
  const bool integral = std::all_of(x.begin(), x.end(), [](double v) { return v == std::floor(v); }) && max_x < 1e6;
  constexpr index_t kBlock = 8192;
  std::vector<double> part(static_cast<std::size_t>(block_count(n, kBlock)));
  std::vector<double> table(integral ? static_cast<std::size_t>(max_x) + 1 : 0);
  auto ll = [&](const std::vector<double>& v) {
    const FamilyParams p{v[0], v[1], v[2], v[3]};
    const double base = -std::lgamma(p.r) + p.r * std::log(p.alpha) + std::lgamma(p.a + p.b) - std::lgamma(p.b);
    for (std::size_t c = 0; c < table.size(); ++c) {
      const auto xc = static_cast<double>(c);
      table[c] = base + std::lgamma(p.r + xc) + std::lgamma(p.b + xc + s) - std::lgamma(p.a + p.b + xc + s);
    }
    const double log_a = std::log(p.a);
    parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t begin, index_t end) {
      double acc = 0;
      for (index_t i = begin; i < end; ++i) {
        const auto u = static_cast<std::size_t>(i);
        if (!integral) {
          acc += family_log_likelihood(s, p, x[u], t_x[u], T[u]);
          continue;
        }
        const double a3 = -(p.r + x[u]) * std::log(p.alpha + T[u]);
        acc += table[static_cast<std::size_t>(x[u])] + log_add_exp(a3, dropout_term(s, p, log_a, x[u], t_x[u]));
      }
      part[static_cast<std::size_t>(b)] = acc;
    });
    return std::accumulate(part.begin(), part.end(), 0.0);
  };
  KOHORT_ASSIGN_OR_RETURN(auto opt, maximize_positive(ll, {1.0, 1.0, 1.0, 1.0}, what));
  FamilyFit fit;
  fit.params = {opt.params[0], opt.params[1], opt.params[2], opt.params[3]};
  fit.log_likelihood = opt.value;
  fit.evaluations = opt.evaluations;
  fit.converged = opt.converged;
  return fit;
}

double family_p_alive(int s, const FamilyParams& p, double x, double t_x, double T) {
  if (s == 0 && x <= 0) return 1.0;
  const double log_odds_dead = std::log(p.a) - std::log(p.b + x - 1 + s) +
                               (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
  return 1.0 / (1.0 + std::exp(log_odds_dead));
}

double family_expected(int s, const FamilyParams& p, double t, double x, double t_x, double T) {
  if (t <= 0) return 0.0;
  // BG/NBD eq. 10 (Fader, Hardie & Lee 2005); for MBG/NBD the same with b + x + 1 (Batislam et
  // al. 2007; Wagner & Hoppe's 2008 erratum). 2F1 comes scaled by ((α+T)/(α+T+t))^(r+x).
  const double z = t / (p.alpha + T + t);
  const double head = (p.a + p.b + x - 1 + s) / (p.a - 1);
  const double body = 1.0 - scaled_hyp2f1(p.r + x, p.b + x + s, p.a + p.b + x - 1 + s, z);
  return head * body * family_p_alive(s, p, x, t_x, T);
}

double family_p_no_purchase(int s, const FamilyParams& p, double tau, double x, double t_x, double T) {
  if (tau <= 0) return 1.0;
  // A customer alive at T makes no purchase in τ with probability E[exp(−λτ)] under the
  // posterior λ ~ Gamma(r + x, α + T); dropping out needs a purchase, so none happens inside.
  const double buys = -std::expm1((p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + T + tau)));
  return 1.0 - family_p_alive(s, p, x, t_x, T) * buys;
}

}  // namespace kohort::clv::internal
