#include "kohort/select/choose_algorithm.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "kohort/select/metrics.h"

namespace kohort::select {

namespace {

struct Scored {
  std::optional<cluster::Fitted> fit;
  nlohmann::json row;
  double silhouette = 0;
  bool eligible = false;
  std::string note;
};

// Why a labelling cannot be chosen ("" when it can).
std::string ineligible(int k, double outliers, double smallest, const AlgorithmChoiceOptions& o) {
  if (k < 2) return fmt::format("found {} segment(s)", k);
  if (k < o.k_lo || k > o.k_hi)
    return o.k_lo == o.k_hi ? fmt::format("found {} segments, not the {} asked for", k, o.k_lo)
                            : fmt::format("found {} segments, outside {} .. {}", k, o.k_lo, o.k_hi);
  if (outliers > o.max_outlier_share)
    return fmt::format("left {:.0f}% of rows as outliers (more than {:.0f}%)", 100 * outliers, 100 * o.max_outlier_share);
  if (smallest < o.min_share)
    return fmt::format("its smallest segment holds {:.2f}% of rows (below the minimum share {:g})", 100 * smallest, o.min_share);
  return {};
}

Result<Scored> score(const Context& ctx, MatrixView<const float> x, const std::string& name,
                     const cluster::ClusterParams& params, const AlgorithmChoiceOptions& o) {
  Scored s;
  s.row = {{"algo", name}};
  auto fit = cluster::fit_clusterer(ctx.quiet(), name, params, x);
  if (!fit.ok()) {
    s.note = "did not fit: " + fit.status().what();
    s.row["eligible"] = false;
    s.row["note"] = s.note;
    return s;
  }
  const auto& labels = fit->segmentation.labels;
  const auto sizes = cluster_sizes(labels);
  const auto k = static_cast<int>(sizes.size());
  const auto n = static_cast<double>(labels.size());
  const double outliers = static_cast<double>(std::count_if(labels.begin(), labels.end(), [](std::int32_t l) { return l < 0; })) / n;
  const double smallest = sizes.empty() ? 0.0 : static_cast<double>(*std::min_element(sizes.begin(), sizes.end())) / n;
  s.row["k"] = k;
  s.row["outlier_share"] = outliers;
  s.row["smallest_share"] = smallest;
  s.note = ineligible(k, outliers, smallest, o);
  if (k >= 2 && k <= x.rows - 1) {
    KOHORT_ASSIGN_OR_RETURN(const auto sil, silhouette_sampled(ctx.quiet(), x, labels, o.silhouette_rows));
    s.silhouette = sil.mean;
    s.row["silhouette"] = sil.mean;
  } else if (s.note.empty()) {
    s.note = fmt::format("found {} segments for {} rows", k, x.rows);
  }
  s.eligible = s.note.empty();
  if (!s.eligible) s.row["note"] = s.note;
  s.row["eligible"] = s.eligible;
  s.fit = std::move(*fit);
  return s;
}

}  // namespace

Result<AlgorithmChoice> choose_algorithm(const Context& ctx, MatrixView<const float> x,
                                         const cluster::ClusterParams& params, const AlgorithmChoiceOptions& o) {
  if (o.candidates.empty() || o.candidates.front() != "kmeans")
    return Status::invalid_argument("candidates", "the comparison starts from k-means, which labels every row");
  std::vector<Scored> all;
  int best = -1;
  for (const auto& name : o.candidates) {
    KOHORT_ASSIGN_OR_RETURN(auto s, score(ctx, x, name, params, o));
    if (s.eligible && (best < 0 || s.silhouette > all[static_cast<std::size_t>(best)].silhouette + o.min_gain))
      best = static_cast<int>(all.size());
    all.push_back(std::move(s));
  }
  if (best < 0) best = 0;
  if (!all[static_cast<std::size_t>(best)].fit) return Status::invalid_input("data", "k-means did not fit: " + all[0].note);
  AlgorithmChoice c;
  c.candidates = nlohmann::json::array();
  std::string others;
  for (std::size_t i = 0; i < all.size(); ++i) {
    c.candidates.push_back(all[i].row);
    if (static_cast<int>(i) == best) continue;
    others += fmt::format("{}{} {}", others.empty() ? "" : "; ", o.candidates[i],
                          all[i].note.empty() ? fmt::format("{:.3f}", all[i].silhouette) : all[i].note);
  }
  Scored& w = all[static_cast<std::size_t>(best)];
  c.chosen = o.candidates[static_cast<std::size_t>(best)];
  c.reason = fmt::format("{} separates the segments best (silhouette {:.3f}; {}; a more complex model must gain {})",
                         c.chosen, w.silhouette, others, o.min_gain);
  c.fitted = std::move(*w.fit);
  return c;
}

}  // namespace kohort::select
