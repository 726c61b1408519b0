// kohort/clv/internal/optimize.h — maximum likelihood over log-parameters with NLopt.
#pragma once

#include <functional>
#include <vector>

#include "kohort/core/result.h"

namespace kohort::clv::internal {

struct OptimizeResult {
  std::vector<double> params;  ///< exp of the optimal log-parameters
  double value = 0;            ///< the maximum of the objective
  int evaluations = 0;
  bool converged = false;
};

/// Maximises f(params) over positive parameters by optimising their logarithms, starting
/// from `start`: NLopt's Nelder–Mead, then Subplex from its result. `f` returns −∞ (or NaN)
/// where undefined. Deterministic.
[[nodiscard]] Result<OptimizeResult> maximize_positive(
    const std::function<double(const std::vector<double>&)>& f, std::vector<double> start,
    const char* what);

}  // namespace kohort::clv::internal
