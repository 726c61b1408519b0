#include "kohort/cluster/dbscan.h"

#include <fmt/format.h>

#include "kohort/cluster/internal/kd_tree.h"
#include "kohort/cluster/kmeans.h"
#include "kohort/core/parallel.h"

namespace kohort::cluster {

Result<DbscanFit> fit_dbscan(const Context& ctx, MatrixView<const float> x, const DbscanOptions& o) {
  KOHORT_RETURN_IF_ERROR(check_finite(x));
  if (!(o.eps > 0)) return Status::invalid_argument("--eps", fmt::format("{} is not above 0", o.eps));
  if (o.min_samples < 1)
    return Status::invalid_argument("--min-samples", fmt::format("{} is below the minimum 1", o.min_samples));
  const index_t n = x.rows;
  const internal::KdTree tree(x);
  DbscanFit fit;
  fit.core.assign(static_cast<std::size_t>(n), 0);
  parallel_for_blocks(ctx, n, 1024, [&](index_t, index_t s, index_t e) {
    for (index_t i = s; i < e; ++i)
      fit.core[static_cast<std::size_t>(i)] = tree.count(x.row(i), o.eps) >= o.min_samples ? 1 : 0;
  });
  fit.labels.assign(static_cast<std::size_t>(n), -1);
  std::vector<index_t> stack, neighbours;
  std::int32_t label = 0;
  for (index_t start = 0; start < n; ++start) {
    if (fit.labels[static_cast<std::size_t>(start)] != -1 || !fit.core[static_cast<std::size_t>(start)]) continue;
    index_t i = start;
    for (;;) {
      if (fit.labels[static_cast<std::size_t>(i)] == -1) {
        fit.labels[static_cast<std::size_t>(i)] = label;
        if (fit.core[static_cast<std::size_t>(i)]) {
          tree.radius(x.row(i), o.eps, neighbours);
          for (index_t v : neighbours)
            if (fit.labels[static_cast<std::size_t>(v)] == -1) stack.push_back(v);
        }
      }
      if (stack.empty()) break;
      i = stack.back();
      stack.pop_back();
    }
    ++label;
    if (ctx.cancelled()) return Status::cancelled();
  }
  fit.n_clusters = label;
  return fit;
}

}  // namespace kohort::cluster
