#include "kohort/profile/rules.h"

#include <cmath>

#include <fmt/format.h>

#include "kohort/profile/describe.h"

namespace kohort::profile {

Result<std::vector<std::vector<RuleText>>> describe_rules(const Context& ctx, const features::FeatureTable& raw,
                                                          const Profiles& profiles, std::span<const std::int32_t> labels,
                                                          int k, const RuleOptions& options) {
  const index_t n = raw.rows(), d = raw.cols();
  Matrix<float> x(n, d);
  for (index_t i = 0; i < n; ++i)
    for (index_t j = 0; j < d; ++j) {
      const float v = raw.values(i, j);
      const double fill = profiles.population.median[static_cast<std::size_t>(j)];
      x(i, j) = std::isnan(v) ? static_cast<float>(std::isfinite(fill) ? fill : 0.0) : v;
    }
  KOHORT_ASSIGN_OR_RETURN(const auto rules, segment_rules(ctx, x.cview(), labels, k, options));
  std::vector<std::vector<RuleText>> out(static_cast<std::size_t>(k));
  for (int s = 0; s < k; ++s)
    for (const Rule& r : rules[static_cast<std::size_t>(s)].rules) {
      std::string text;
      for (const Condition& c : r.conditions) {
        if (!text.empty()) text += " and ";
        text += condition_text(raw.info[static_cast<std::size_t>(c.feature)], c.greater, c.threshold);
      }
      if (text.empty()) text = "every customer";
      text += fmt::format(" — {:.0f}% of members; {:.0f}% of matches are members", 100 * r.recall, 100 * r.precision);
      out[static_cast<std::size_t>(s)].push_back({std::move(text), r.precision, r.recall});
    }
  return out;
}

}  // namespace kohort::profile
