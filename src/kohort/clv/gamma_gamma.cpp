#include "kohort/clv/gamma_gamma.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "kohort/clv/internal/optimize.h"

namespace kohort::clv {

Result<GammaGammaFit> fit_gamma_gamma(const Context&, std::span<const double> x,
                                      std::span<const double> monetary) {
  if (x.size() != monetary.size()) return Status::internal("gamma-gamma", "summary columns differ in length");
  std::vector<double> xs, ms;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] > 0 && monetary[i] > 0) {
      xs.push_back(x[i]);
      ms.push_back(monetary[i]);
    }
  if (xs.size() < 2)
    return Status::invalid_input("gamma-gamma",
                                 fmt::format("only {} customer(s) have repeat purchases of positive value", xs.size()),
                                 "the spend model needs repeat purchases");
  // Fader & Hardie (2013), eq. 3: the likelihood of the mean m_x of x transactions.
  auto ll = [&](const std::vector<double>& v) {
    const double p = v[0], q = v[1], g = v[2];
    double s = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double px = p * xs[i];
      s += std::lgamma(px + q) - std::lgamma(px) - std::lgamma(q) + q * std::log(g) +
           (px - 1) * std::log(ms[i]) + px * std::log(xs[i]) - (px + q) * std::log(g + ms[i] * xs[i]);
    }
    return s;
  };
  KOHORT_ASSIGN_OR_RETURN(auto opt, internal::maximize_positive(ll, {1.0, 1.0, 1.0}, "gamma-gamma"));
  GammaGammaFit fit;
  fit.params = {opt.params[0], opt.params[1], opt.params[2]};
  fit.log_likelihood = opt.value;
  fit.customers = static_cast<index_t>(xs.size());
  fit.converged = opt.converged;
  return fit;
}

double gamma_gamma_expected_value(const GammaGammaParams& p, double x, double m_x) {
  const double population = p.p * p.gamma / (p.q - 1);
  if (x <= 0) return population;
  const double w = p.p * x / (p.p * x + p.q - 1);
  return (1 - w) * population + w * m_x;
}

}  // namespace kohort::clv
