#include "kohort/features/families/common.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "kohort/core/parallel.h"

namespace kohort::features::internal {

int Columns::add(std::string name, std::string group, std::string unit, std::string description,
                 std::string phrase) {
  info_.push_back({std::move(name), std::move(group), std::move(unit), std::move(description),
                   std::move(phrase)});
  return static_cast<int>(info_.size()) - 1;
}

std::string slug(std::string_view value) {
  std::string out;
  bool gap = false;
  for (char ch : value) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9')) {
      if (gap && !out.empty()) out.push_back('_');
      out.push_back(ch);
      gap = false;
    } else if (u >= 'A' && u <= 'Z') {
      if (gap && !out.empty()) out.push_back('_');
      out.push_back(static_cast<char>(u - 'A' + 'a'));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out.empty() ? std::string("missing") : out;
}

Levels choose_levels(const std::map<std::string, std::int64_t>& counts,
                     const events::Dictionary& dict, int cap) {
  Levels lv;
  std::vector<std::pair<std::string_view, std::int64_t>> seen;
  for (const auto& [text, count] : counts)
    if (count > 0) seen.emplace_back(text, count);
  // std::map iterates by text, so a stable sort by count keeps ties in text order.
  std::stable_sort(seen.begin(), seen.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  const std::size_t keep = std::min(seen.size(), static_cast<std::size_t>(std::max(cap, 0)));
  std::map<std::string_view, int> slot_of;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (i < keep) lv.names.emplace_back(seen[i].first);
    slot_of.emplace(seen[i].first, i < keep ? static_cast<int>(i) : static_cast<int>(keep));
  }
  if (seen.size() > keep) lv.other = static_cast<int>(keep);
  lv.slot.assign(dict.size(), -1);
  for (std::size_t c = 0; c < dict.size(); ++c) {
    const auto it = slot_of.find(dict.value(static_cast<events::code_t>(c)));
    if (it != slot_of.end()) lv.slot[c] = it->second;
  }
  return lv;
}

int add_level_columns(Columns& cols, const Levels& levels, const std::string& prefix,
                      const std::string& group, const std::string& unit,
                      const std::string& what_desc, const std::string& what_phrase,
                      const std::string& suffix) {
  const int first = cols.size();
  std::set<std::string> used;
  for (const std::string& v : levels.names) {
    std::string s = slug(v);
    if (s == "other") s = "other_level";
    std::string name = prefix + "_" + s;
    for (int k = 2; used.count(name) > 0; ++k) name = prefix + "_" + s + "_" + std::to_string(k);
    used.insert(name);
    cols.add(name + suffix, group, unit, what_desc + " '" + v + "'.", what_phrase + " " + v);
  }
  if (levels.other >= 0)
    cols.add(
        prefix + "_other" + suffix, group, unit,
        what_desc + " outside the " + std::to_string(levels.names.size()) + " most common values.",
        what_phrase + " other values");
  return first;
}

bool PopulationInputs::filled(const std::string& key, bool here) {
  if (here) counted_.columns.insert(key);
  return given_ != nullptr ? given_->columns.count(key) > 0 : here;
}

Levels PopulationInputs::levels(const std::string& key, std::span<const std::int64_t> counts,
                                const events::Dictionary& dict, int cap) {
  auto& mine = counted_.levels[key];
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) mine[dict.value(static_cast<events::code_t>(c))] += counts[c];
  return choose_levels(this->counts(key), dict, cap);
}

const std::map<std::string, std::int64_t>& PopulationInputs::counts(const std::string& key) const {
  static const std::map<std::string, std::int64_t> kNone;
  const Population& from = given_ != nullptr ? *given_ : counted_;
  const auto it = from.levels.find(key);
  return it == from.levels.end() ? kNone : it->second;
}

std::vector<std::int64_t> count_codes(const Context& ctx, std::span<const events::customer_t> rows,
                                      std::span<const index_t> offsets,
                                      std::span<const Seconds> time,
                                      std::span<const events::code_t> codes, std::size_t n_codes,
                                      Seconds as_of) {
  constexpr index_t kBlock = 8192;
  const index_t n = static_cast<index_t>(rows.size());
  const index_t nb = block_count(n, kBlock);
  std::vector<std::vector<std::int64_t>> part(static_cast<std::size_t>(nb));
  parallel_for_blocks(ctx, n, kBlock, [&](index_t b, index_t begin, index_t end) {
    auto& cnt = part[static_cast<std::size_t>(b)];
    cnt.assign(n_codes, 0);
    for (index_t r = begin; r < end; ++r) {
      const auto range =
          events::rows_before(offsets, time, rows[static_cast<std::size_t>(r)], as_of);
      for (index_t i = range.begin; i < range.end; ++i) {
        const auto code = codes[static_cast<std::size_t>(i)];
        if (code >= 0) ++cnt[static_cast<std::size_t>(code)];
      }
    }
  });
  std::vector<std::int64_t> total(n_codes, 0);
  for (const auto& cnt : part)
    for (std::size_t c = 0; c < n_codes; ++c) total[c] += cnt[c];
  return total;
}

}  // namespace kohort::features::internal
