#include "kohort/clv/internal/special.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/special_functions/expm1.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/hypergeometric_pFq.hpp>

namespace kohort::clv::internal {

double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

double scaled_hyp2f1(double a, double b, double c, double z) {
  const double log_head = a * std::log1p(-z);
  if (a > 0 && b > 0 && c > 0 && z >= 0 && z < 0.95) {
    // Every term is positive, so the sum is accurate in double; it costs a few dozen terms
    // where Boost's general pFq costs microseconds. `log_scale` holds what was divided out
    // whenever the running sum grew past 1e250.
    double term = 1.0, sum = 1.0, log_scale = 0;
    for (int k = 0; k < 1000000; ++k) {
      const double dk = k;
      term *= (a + dk) * (b + dk) / ((c + dk) * (dk + 1.0)) * z;
      sum += term;
      if (term <= sum * 1e-17) break;
      if (sum > 1e250) {
        sum *= 1e-250;
        term *= 1e-250;
        log_scale += 250 * std::log(10.0);
      }
    }
    return std::exp(log_head + log_scale + std::log(sum));
  }
  return std::exp(log_head) * boost::math::hypergeometric_pFq({a, b}, {c}, z);
}

}  // namespace kohort::clv::internal
