#include "kohort/features/families/attributes.h"

#include <algorithm>
#include <map>
#include <string>

namespace kohort::features::internal {

namespace {
constexpr double kNaNd = std::numeric_limits<double>::quiet_NaN();

bool is_protected(const events::Attributes& a, std::string_view column) {
  return std::find(a.protected_columns.begin(), a.protected_columns.end(), column) !=
         a.protected_columns.end();
}
}  // namespace

double tier_ladder_rank(std::string_view name) {
  std::string s;
  for (char ch : name) {
    const auto u = static_cast<unsigned char>(ch);
    s.push_back(u >= 'A' && u <= 'Z' ? static_cast<char>(u - 'A' + 'a') : ch);
  }
  struct Rung {
    std::string_view name;
    double rank;
  };
  constexpr Rung kLadder[] = {{"none", 0},     {"no tier", 0}, {"basic", 1},  {"standard", 1},
                              {"member", 1},   {"bronze", 1},  {"silver", 2}, {"gold", 3},
                              {"platinum", 4}, {"diamond", 5}, {"vip", 6},    {"black", 6}};
  for (const auto& r : kLadder)
    if (s == r.name) return r.rank;
  for (std::string_view prefix : {"tier ", "level ", "tier", "level", ""})
    if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
      const std::string digits = s.substr(prefix.size());
      if (digits.size() <= 3 &&
          std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return std::stod(digits);
    }
  return -1;
}

void AttributeFamily::plan(const events::EventLog& log, const FeatureSpec& spec,
                           std::span<const events::customer_t> rows, PopulationInputs& pop,
                           Columns& cols) {
  if (!log.has(events::Stream::customers) || !spec.wants("attributes")) return;
  const auto& a = log.attributes;
  const auto n = static_cast<std::size_t>(a.size());
  if (!pop.filled("customers.rows", n > 0)) return;
  const auto usable = [&](std::size_t size, std::string_view name) {
    return pop.filled("customers." + std::string(name), n > 0 && size == n) &&
           !is_protected(a, name);
  };
  log_ = &log;
  as_of_ = spec.as_of;
  const std::string g = "attributes";
  if (usable(a.age.size(), "age"))
    age_ = cols.add("age", g, "years", "The customer's age as recorded in the attributes.", "age");
  if (usable(a.signup.size(), "signup"))
    signup_ = cols.add("signup_tenure_days", g, "days",
                       "Days from sign-up to the as-of instant; missing when the sign-up date is "
                       "unknown or not before the as-of instant.",
                       "days since sign-up");
  // Tiers and regions are counted over the table's customers only, so customers without a
  // pre-as-of transaction cannot change the choice.
  const auto count_of = [&](const std::vector<events::code_t>& column, std::size_t levels) {
    std::vector<std::int64_t> counts(levels, 0);
    if (column.size() != n) return counts;
    for (auto c : rows) {
      const auto b = a.offsets[static_cast<std::size_t>(c)];
      if (a.offsets[static_cast<std::size_t>(c) + 1] > b &&
          column[static_cast<std::size_t>(b)] >= 0)
        ++counts[static_cast<std::size_t>(column[static_cast<std::size_t>(b)])];
    }
    return counts;
  };
  if (usable(a.loyalty_tier.size(), "loyalty_tier")) {
    // The ladder ranks when every tier of the table's customers is on it; otherwise the tiers
    // rank in the order of their names (1, 2, …).
    (void)pop.levels("customers.loyalty_tier", count_of(a.loyalty_tier, a.tiers.size()), a.tiers, 0);
    const auto& tiers = pop.counts("customers.loyalty_tier");
    const bool ladder = std::all_of(tiers.begin(), tiers.end(), [](const auto& t) {
      return t.second <= 0 || tier_ladder_rank(t.first) >= 0;
    });
    std::map<std::string_view, double> rank;
    double next = 1;
    for (const auto& [name, count] : tiers)
      if (count > 0) rank[name] = ladder ? tier_ladder_rank(name) : next++;
    tier_rank_.assign(a.tiers.size(), kNaNd);
    for (std::size_t k = 0; k < tier_rank_.size(); ++k) {
      const auto it = rank.find(a.tiers.value(static_cast<events::code_t>(k)));
      if (it != rank.end()) tier_rank_[k] = it->second;
    }
    tier_ = cols.add("loyalty_tier", g, "rank",
                     ladder ? "Loyalty tier as an ordinal on the usual ladder: none 0, basic or "
                              "bronze 1, silver 2, gold 3, platinum 4, diamond 5, vip 6 (or the "
                              "tier's number); missing when unknown."
                            : "Loyalty tier as an ordinal in the order of the tier names (1, 2, "
                              "…), as the tier names are not on a known ladder; missing when "
                              "unknown.",
                     "loyalty tier");
  }
  if (usable(a.region.size(), "region")) {
    region_levels_ = pop.levels("customers.region", count_of(a.region, a.regions.size()),
                                a.regions, spec.max_levels);
    region_first_ = add_level_columns(cols, region_levels_, "region", g, "flag",
                                      "1 when the customer's region is", "lives in");
  }
}

void AttributeFamily::compute(events::customer_t c, float* row) const {
  const auto& a = log_->attributes;
  const auto b = a.offsets[static_cast<std::size_t>(c)];
  const bool present = a.offsets[static_cast<std::size_t>(c) + 1] > b;
  const auto u = static_cast<std::size_t>(b);
  if (age_ >= 0) put(row, age_, present ? static_cast<double>(a.age[u]) : kNaNd);
  if (signup_ >= 0) {
    const Seconds t = present ? a.signup[u] : events::kMissingTime;
    put(row, signup_, t == events::kMissingTime || t >= as_of_ ? kNaNd : days_between(t, as_of_));
  }
  if (tier_ >= 0)
    put(row, tier_,
        present && a.loyalty_tier[u] >= 0 ? tier_rank_[static_cast<std::size_t>(a.loyalty_tier[u])]
                                          : kNaNd);
  if (region_first_ >= 0) {
    const int slots = region_levels_.slots();
    const auto code = present ? a.region[u] : events::kMissingCode;
    const int slot = code >= 0 ? region_levels_.slot[static_cast<std::size_t>(code)] : -1;
    for (int k = 0; k < slots; ++k)
      put(row, region_first_ + k, code < 0 ? kNaNd : (slot == k ? 1.0 : 0.0));
  }
}

}  // namespace kohort::features::internal
