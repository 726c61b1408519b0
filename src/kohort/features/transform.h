// kohort/features/transform.h — fitted column transforms that make a feature table ready for
// clustering: median imputation with missing indicators, log1p for heavy tails, winsorizing,
// z-score or robust scaling, and dropping constant and duplicate columns.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/features/feature_table.h"

namespace kohort::features {

enum class Scaling { none, zscore, robust };

/// Options for fit_transform(). Ranges are checked by validate().
struct TransformOptions {
  bool log1p = true;  ///< log1p a column whose values are ≥ 0 and skewness > skew_threshold.
  double skew_threshold = 1.0;  ///< sample skewness g1 = m3 / m2^1.5 of the observed values; ≥ 0.
  double winsor_lower = 0.01;   ///< clip below this quantile (after log1p); 0 disables. [0, 0.5).
  double winsor_upper = 0.99;   ///< clip above this quantile; 1 disables. (0.5, 1].
  Scaling scaling = Scaling::zscore;  ///< zscore: (v−mean)/sd; robust: (v−median)/IQR.
  bool missing_indicators = true;  ///< add `<name>_missing` (1/0) for columns with missing cells.
  bool drop_constant = true;       ///< drop columns that are constant after clipping.
  bool drop_duplicates = true;     ///< drop output columns equal bit for bit to an earlier one.

  [[nodiscard]] Status validate() const;
};

/// One output column. Value columns compute, in double:
///   v = isnan(x) ? fill : x;  v = log1p ? log1p(v) : v;  v = clamp(v, lower, upper);
///   out = float((v − center) / scale).
/// Indicator columns are 1 where the source cell is NaN and 0 elsewhere.
struct ColumnTransform {
  std::string name;        ///< output name (the input name, or `<input>_missing`).
  index_t source = 0;      ///< input column.
  bool indicator = false;  ///< a missing-indicator column (the fields below are unused).
  double fill = 0;         ///< value for missing cells, in input units (median of the fit data).
  bool log1p = false;
  double lower = 0, upper = 0;  ///< clip bounds after log1p (±infinity: no clip).
  double center = 0, scale = 1;
};

/// A column left out of the output and why ("constant after winsorizing: every value is 0",
/// "all values missing", "duplicate of 'orders_total'").
struct DroppedColumn {
  std::string name;
  std::string reason;
};

/// The fitted parameters: everything needed to transform new rows the same way.
struct FittedTransform {
  TransformOptions options;
  std::vector<std::string> input_names;  ///< the fitted table's columns, in order.
  std::vector<ColumnTransform> columns;  ///< output columns, in output order.
  std::vector<DroppedColumn> dropped;

  [[nodiscard]] std::vector<std::string> output_names() const;
  /// A JSON object with the options, input names, columns (clip bounds that are infinite as
  /// null) and dropped columns. from_json(to_json()) gives a transform whose apply() returns the
  /// same bits.
  [[nodiscard]] nlohmann::json to_json() const;
  /// Fails with invalid_input (where "transform", what names the missing or mistyped key).
  [[nodiscard]] static Result<FittedTransform> from_json(const nlohmann::json& j);
};

struct TransformResult {
  FittedTransform fit;
  Matrix<float> values;  ///< rows × fit.columns.size(); finite.
};

/// Fits the transforms on x (n × d; NaN = missing; names: d column names) and returns them with
/// the transformed matrix, which equals apply(ctx, fit, x) bit for bit.
/// Per column, on the observed values: fill = median; log1p when options.log1p, min ≥ 0 and
/// skewness > skew_threshold; clip bounds = the winsor quantiles (linear interpolation, after
/// imputation and log1p); center/scale = mean/sd (zscore; population sd) or median/IQR (robust;
/// the sd when the IQR is 0) of the clipped column. Columns that are all missing or constant
/// after clipping are dropped (their indicator stays), and then duplicate output columns.
/// Fails with invalid_argument when options are out of range or names.size() ≠ d, and with
/// invalid_input for n = 0 or an infinite cell (named by row and column).
/// A column whose `left_out` entry is not empty (when left_out is given: one entry per column)
/// is dropped with that entry as its reason, and gets no indicator.
/// Deterministic at any ctx.threads(). O(n·d·log n) time (medians and quantiles), O(n·d) memory.
[[nodiscard]] Result<TransformResult> fit_transform(const Context& ctx, MatrixView<const float> x,
                                                    std::span<const std::string> names,
                                                    const TransformOptions& options = {},
                                                    std::span<const std::string> left_out = {});

/// Transforms new rows with fitted parameters. x: n × fit.input_names.size(), NaN = missing.
/// Fails with invalid_input when the column count differs or a cell is infinite.
/// Deterministic at any ctx.threads(); O(n·d).
[[nodiscard]] Result<Matrix<float>> apply(const Context& ctx, const FittedTransform& fit,
                                          MatrixView<const float> x);

/// A feature table made ready for clustering: fit_transform() on its values, with the column
/// descriptions carried over (an indicator column `<name>_missing` is described as such, in
/// the group of its source). Columns of groups that are not clustered (is_clustered_group) are
/// left out with that reason. Rows, customers and as_of are unchanged. Fails as fit_transform.
[[nodiscard]] Result<FeatureTable> transform_table(const Context& ctx, const FeatureTable& table,
                                                   const TransformOptions& options,
                                                   FittedTransform* fitted = nullptr);

}  // namespace kohort::features
