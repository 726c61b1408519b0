#include "kohort/features/selection.h"

#include <cmath>

#include <fmt/format.h>

#include "kohort/reduce/covariance.h"

namespace kohort::features {

Result<CorrelationFilter> filter_correlated(const Context& ctx, const FeatureTable& table,
                                            double threshold) {
  if (!(threshold > 0 && threshold <= 1))
    return Status::invalid_argument("max_correlation",
                                    fmt::format("{} is not in (0, 1]", threshold),
                                    "use a value such as 0.95");
  const index_t d = table.cols();
  CorrelationFilter out;
  if (table.rows() < 2) {
    for (index_t j = 0; j < d; ++j) out.kept.push_back(j);
    return out;
  }
  const reduce::Covariance c = reduce::covariance(ctx, table.values.cview());
  for (index_t j = 0; j < d; ++j) {
    index_t with = -1;
    double best = 0;
    for (index_t i : out.kept) {
      const double r = c.correlation(i, j);
      if (std::fabs(r) >= threshold && std::fabs(r) > std::fabs(best)) {
        best = r;
        with = i;
      }
    }
    if (with < 0) {
      out.kept.push_back(j);
    } else {
      out.dropped.push_back({table.info[static_cast<std::size_t>(j)].name,
                             fmt::format("correlated {:.3f} with '{}', which is kept", best,
                                         table.info[static_cast<std::size_t>(with)].name)});
    }
  }
  return out;
}

void keep_columns(FeatureTable& table, const std::vector<index_t>& columns) {
  table.values.keep_columns(columns);
  std::vector<FeatureInfo> info;
  info.reserve(columns.size());
  for (index_t j : columns) info.push_back(std::move(table.info[static_cast<std::size_t>(j)]));
  table.info = std::move(info);
}

}  // namespace kohort::features
