// kohort/clv/gamma_gamma.h — the Gamma-Gamma model of spend per transaction (Fader & Hardie 2013).
#pragma once

#include <span>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::clv {

/// Transaction values ~ Gamma(p, ν), ν ~ Gamma(q, γ) across customers.
struct GammaGammaParams {
  double p = 0, q = 0, gamma = 0;
};

struct GammaGammaFit {
  GammaGammaParams params;
  double log_likelihood = 0;
  index_t customers = 0;  ///< customers with x > 0 that entered the fit
  bool converged = false;
};

/// Maximum-likelihood fit on the customers with x > 0 repeat transactions of mean value
/// m_x > 0 (others are skipped). Fails with invalid_input when fewer than 2 remain.
[[nodiscard]] Result<GammaGammaFit> fit_gamma_gamma(const Context& ctx, std::span<const double> x,
                                                    std::span<const double> monetary);

/// E[M | x, m_x] = (q − 1)/(p x + q − 1) · γp/(q − 1) + p x/(p x + q − 1) · m_x; the
/// population mean pγ/(q − 1) when x = 0. Requires q > 1.
[[nodiscard]] double gamma_gamma_expected_value(const GammaGammaParams& p, double x, double m_x);

}  // namespace kohort::clv
