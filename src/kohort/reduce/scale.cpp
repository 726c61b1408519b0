#include "kohort/reduce/scale.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kohort/core/parallel.h"

namespace kohort::reduce {

Result<Scaling> parse_scaling(std::string_view text) {
  if (text == "none") return Scaling::none;
  if (text == "z") return Scaling::z;
  if (text == "robust") return Scaling::robust;
  return Status::invalid_argument("--scale", fmt::format("unknown scaling '{}'", text),
                                  "use none, z or robust");
}

namespace {

double quantile_sorted(const std::vector<float>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double f = pos - static_cast<double>(lo);
  return static_cast<double>(v[lo]) + f * (static_cast<double>(v[hi]) - v[lo]);
}

}  // namespace

Result<ScaleFit> fit_scale(const Context& ctx, MatrixView<const float> x, Scaling method) {
  ScaleFit fit;
  fit.method = method;
  const index_t n = x.rows, d = x.cols;
  fit.center.assign(static_cast<std::size_t>(d), 0.0);
  fit.scale.assign(static_cast<std::size_t>(d), 1.0);
  if (method == Scaling::none || n == 0) return fit;
  // Columns are independent: one block per column keeps the work deterministic.
  parallel_for_blocks(ctx, d, 1, [&](index_t, index_t j, index_t) {
    const auto u = static_cast<std::size_t>(j);
    if (method == Scaling::z) {
      double s = 0;
      for (index_t i = 0; i < n; ++i) s += x(i, j);
      const double mean = s / static_cast<double>(n);
      double q = 0;
      for (index_t i = 0; i < n; ++i) {
        const double t = x(i, j) - mean;
        q += t * t;
      }
      fit.center[u] = mean;
      fit.scale[u] = std::sqrt(q / static_cast<double>(n));
    } else {
      std::vector<float> col(static_cast<std::size_t>(n));
      for (index_t i = 0; i < n; ++i) col[static_cast<std::size_t>(i)] = x(i, j);
      std::sort(col.begin(), col.end());
      fit.center[u] = quantile_sorted(col, 0.5);
      fit.scale[u] = quantile_sorted(col, 0.75) - quantile_sorted(col, 0.25);
    }
  });
  for (index_t j = 0; j < d; ++j) {
    auto& s = fit.scale[static_cast<std::size_t>(j)];
    if (!(s > 0)) {
      s = 1.0;
      fit.constant_columns.push_back(j);
    }
  }
  return fit;
}

void apply_scale(const Context& ctx, const ScaleFit& fit, MatrixView<float> x) {
  if (fit.method == Scaling::none) return;
  parallel_for_blocks(ctx, x.rows, 16384, [&](index_t, index_t b, index_t e) {
    for (index_t i = b; i < e; ++i) {
      float* r = x.row(i);
      for (index_t j = 0; j < x.cols; ++j)
        r[j] = static_cast<float>((r[j] - fit.center[static_cast<std::size_t>(j)]) /
                                  fit.scale[static_cast<std::size_t>(j)]);
    }
  });
}

}  // namespace kohort::reduce
