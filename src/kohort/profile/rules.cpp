#include "kohort/profile/rules.h"

#include <cmath>

#include <fmt/format.h>

#include "kohort/profile/describe.h"

namespace kohort::profile {

namespace {

// Missing values → the population median (0 when the feature has none).
void impute(MatrixView<float> x, const Profiles& profiles) {
  for (index_t i = 0; i < x.rows; ++i)
    for (index_t j = 0; j < x.cols; ++j) {
      float& v = x(i, j);
      const double fill = profiles.population.median[static_cast<std::size_t>(j)];
      if (std::isnan(v)) v = static_cast<float>(std::isfinite(fill) ? fill : 0.0);
    }
}

Result<std::vector<std::vector<RuleText>>> rules_of(const Context& ctx, const std::vector<features::FeatureInfo>& info,
                                                    MatrixView<const float> x, std::span<const std::int32_t> labels,
                                                    int k, const RuleOptions& options) {
  KOHORT_ASSIGN_OR_RETURN(const auto rules, segment_rules(ctx, x, labels, k, options));
  std::vector<std::vector<RuleText>> out(static_cast<std::size_t>(k));
  for (int s = 0; s < k; ++s)
    for (const Rule& r : rules[static_cast<std::size_t>(s)].rules) {
      std::string text;
      for (const Condition& c : r.conditions) {
        if (!text.empty()) text += " and ";
        text += condition_text(info[static_cast<std::size_t>(c.feature)], c.greater, c.threshold);
      }
      if (text.empty()) text = "every customer";
      text += fmt::format(" — {:.0f}% of members; {:.0f}% of matches are members", 100 * r.recall, 100 * r.precision);
      out[static_cast<std::size_t>(s)].push_back({std::move(text), r.precision, r.recall});
    }
  return out;
}

}  // namespace

Result<std::vector<std::vector<RuleText>>> describe_rules(const Context& ctx, const features::FeatureTable& raw,
                                                          const Profiles& profiles, std::span<const std::int32_t> labels,
                                                          int k, const RuleOptions& options) {
  Matrix<float> x = raw.values.clone();
  impute(x.view(), profiles);
  return rules_of(ctx, raw.info, x.cview(), labels, k, options);
}

Result<std::vector<std::vector<RuleText>>> describe_rules_in_place(const Context& ctx, features::FeatureTable& raw,
                                                                   const Profiles& profiles,
                                                                   std::span<const std::int32_t> labels, int k,
                                                                   const RuleOptions& options) {
  impute(raw.values.view(), profiles);
  return rules_of(ctx, raw.info, raw.values.cview(), labels, k, options);
}

}  // namespace kohort::profile
