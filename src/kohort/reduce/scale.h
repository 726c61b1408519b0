// kohort/reduce/scale.h — per-column centring and scaling before distances are taken.
#pragma once

#include <string_view>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"

namespace kohort::reduce {

enum class Scaling {
  none,    ///< leave the values as they are
  z,       ///< (x − mean) / standard deviation (population, as scikit-learn's StandardScaler)
  robust,  ///< (x − median) / interquartile range (as scikit-learn's RobustScaler)
};

/// Parses "none|z|robust".
[[nodiscard]] Result<Scaling> parse_scaling(std::string_view text);

/// Fitted per-column parameters: y = (x − center) / scale.
struct ScaleFit {
  Scaling method = Scaling::none;
  std::vector<double> center;
  std::vector<double> scale;                 ///< 1 for constant columns
  std::vector<std::int64_t> constant_columns;  ///< columns with zero spread (left centred)
};

/// Fits the scaling on x (n × d, finite). Quantiles use linear interpolation (NumPy's default).
/// O(n·d) time; the robust method copies one column at a time (O(n) extra memory).
[[nodiscard]] Result<ScaleFit> fit_scale(const Context& ctx, MatrixView<const float> x,
                                         Scaling method);

/// Applies a fit in place to rows with the same columns.
void apply_scale(const Context& ctx, const ScaleFit& fit, MatrixView<float> x);

}  // namespace kohort::reduce
