#include "kohort/clv/bg_nbd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <boost/math/special_functions/expm1.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/hypergeometric_pFq.hpp>
#include <fmt/format.h>

#include "kohort/clv/internal/optimize.h"
#include "kohort/core/parallel.h"

namespace kohort::clv {

namespace {

double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// Gauss's 2F1(a, b; c; z). For the BG/NBD arguments (a, b, c > 0, 0 ≤ z < 1) every term of
// the series is positive, so summing it in double is accurate; it costs a few dozen terms
// where Boost's general pFq costs microseconds. Near z = 1, where the series converges
// slowly, Boost's implementation takes over.
double hyp2f1(double a, double b, double c, double z) {
  if (a > 0 && b > 0 && c > 0 && z >= 0 && z < 0.95) {
    double term = 1.0, sum = 1.0;
    for (int k = 0; k < 100000; ++k) {
      const double dk = k;
      term *= (a + dk) * (b + dk) / ((c + dk) * (dk + 1.0)) * z;
      sum += term;
      if (term <= sum * 1e-17) return sum;
    }
  }
  return boost::math::hypergeometric_pFq({a, b}, {c}, z);
}

}  // namespace

double bg_nbd_log_likelihood(const BgNbdParams& p, double x, double t_x, double T) {
  const double a1 = std::lgamma(p.r + x) - std::lgamma(p.r) + p.r * std::log(p.alpha);
  const double a2 = std::lgamma(p.a + p.b) + std::lgamma(p.b + x) - std::lgamma(p.b) -
                    std::lgamma(p.a + p.b + x);
  const double a3 = -(p.r + x) * std::log(p.alpha + T);
  const double a4 = x > 0 ? std::log(p.a) - std::log(p.b + x - 1) - (p.r + x) * std::log(p.alpha + t_x)
                          : -std::numeric_limits<double>::infinity();
  return a1 + a2 + log_add_exp(a3, a4);
}

Result<BgNbdFit> fit_bg_nbd(const Context& ctx, std::span<const double> x, std::span<const double> t_x,
                            std::span<const double> T) {
  const auto n = static_cast<index_t>(x.size());
  if (t_x.size() != x.size() || T.size() != x.size())
    return Status::internal("bg/nbd", "summary columns differ in length");
  index_t repeaters = 0;
  for (index_t i = 0; i < n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (!(x[u] >= 0) || !(t_x[u] >= 0) || !(T[u] >= 0) || t_x[u] > T[u] + 1e-9 || (x[u] == 0 && t_x[u] != 0))
      return Status::invalid_input(fmt::format("customer #{}", i),
                                   fmt::format("inconsistent summary x = {}, t_x = {}, T = {}", x[u], t_x[u], T[u]),
                                   "need x ≥ 0, 0 ≤ t_x ≤ T, and t_x = 0 when x = 0");
    repeaters += x[u] > 0;
  }
  if (repeaters < 2)
    return Status::invalid_input("bg/nbd", fmt::format("only {} customer(s) made a repeat purchase", repeaters),
                                 "the model needs repeat purchases; use a later calibration end or more data");
  // x is a count: the Γ terms depend on x alone, so they are tabulated once per evaluation
  // over the distinct counts, and each customer costs a few logarithms.
  double max_x = 0;
  for (double v : x) max_x = std::max(max_x, v);
  const bool integral = std::all_of(x.begin(), x.end(), [](double v) { return v == std::floor(v); }) &&
                        max_x < 1e6;
  constexpr index_t kBlock = 8192;
  std::vector<double> part(static_cast<std::size_t>(block_count(n, kBlock)));
  std::vector<double> table(integral ? static_cast<std::size_t>(max_x) + 1 : 0);
  auto ll = [&](const std::vector<double>& v) {
    const BgNbdParams p{v[0], v[1], v[2], v[3]};
    const double base = -std::lgamma(p.r) + p.r * std::log(p.alpha) + std::lgamma(p.a + p.b) - std::lgamma(p.b);
    for (std::size_t c = 0; c < table.size(); ++c) {
      const auto xc = static_cast<double>(c);
      table[c] = base + std::lgamma(p.r + xc) + std::lgamma(p.b + xc) - std::lgamma(p.a + p.b + xc);
    }
    const double log_a = std::log(p.a);
    parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t s, index_t e) {
      double acc = 0;
      for (index_t i = s; i < e; ++i) {
        const auto u = static_cast<std::size_t>(i);
        if (!integral) {
          acc += bg_nbd_log_likelihood(p, x[u], t_x[u], T[u]);
          continue;
        }
        const double xi = x[u];
        const double a3 = -(p.r + xi) * std::log(p.alpha + T[u]);
        double tail = a3;
        if (xi > 0) {
          const double a4 = log_a - std::log(p.b + xi - 1) - (p.r + xi) * std::log(p.alpha + t_x[u]);
          const double m = std::max(a3, a4);
          tail = m + std::log(std::exp(a3 - m) + std::exp(a4 - m));
        }
        acc += table[static_cast<std::size_t>(xi)] + tail;
      }
      part[static_cast<std::size_t>(b)] = acc;
    });
    return std::accumulate(part.begin(), part.end(), 0.0);
  };
  KOHORT_ASSIGN_OR_RETURN(auto opt, internal::maximize_positive(ll, {1.0, 1.0, 1.0, 1.0}, "bg/nbd"));
  BgNbdFit fit;
  fit.params = {opt.params[0], opt.params[1], opt.params[2], opt.params[3]};
  fit.log_likelihood = opt.value;
  fit.evaluations = opt.evaluations;
  fit.converged = opt.converged;
  return fit;
}

double bg_nbd_p_alive(const BgNbdParams& p, double x, double t_x, double T) {
  if (x <= 0) return 1.0;
  const double log_ratio = std::log(p.a) - std::log(p.b + x - 1) +
                           (p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x));
  return 1.0 / (1.0 + std::exp(log_ratio));
}

double bg_nbd_expected_purchases(const BgNbdParams& p, double t, double x, double t_x, double T) {
  if (t <= 0) return 0.0;
  const double z = t / (p.alpha + T + t);
  const double head = (p.a + p.b + x - 1) / (p.a - 1);
  const double pow_term = std::exp((p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + T + t)));
  const double body = 1.0 - pow_term * hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z);
  const double denom = x > 0 ? 1.0 + p.a / (p.b + x - 1) *
                                         std::exp((p.r + x) * (std::log(p.alpha + T) - std::log(p.alpha + t_x)))
                             : 1.0;
  return head * body / denom;
}

double bg_nbd_expected_purchases_new(const BgNbdParams& p, double t) {
  const double z = t / (p.alpha + t);
  return (p.a + p.b - 1) / (p.a - 1) *
         (1.0 - std::pow(p.alpha / (p.alpha + t), p.r) * hyp2f1(p.r, p.b, p.a + p.b - 1, z));
}

}  // namespace kohort::clv
