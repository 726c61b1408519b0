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

Levels choose_levels(std::span<const std::int64_t> counts, const events::Dictionary& dict,
                     int cap) {
  Levels lv;
  std::vector<events::code_t> seen;
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) seen.push_back(static_cast<events::code_t>(c));
  std::sort(seen.begin(), seen.end(), [&](events::code_t a, events::code_t b) {
    const auto ca = counts[static_cast<std::size_t>(a)];
    const auto cb = counts[static_cast<std::size_t>(b)];
    if (ca != cb) return ca > cb;
    return dict.value(a) < dict.value(b);
  });
  lv.slot.assign(counts.size(), -1);
  const std::size_t keep = std::min(seen.size(), static_cast<std::size_t>(cap));
  lv.codes.assign(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(keep));
  for (std::size_t i = 0; i < keep; ++i)
    lv.slot[static_cast<std::size_t>(seen[i])] = static_cast<int>(i);
  if (seen.size() > keep) {
    lv.other = static_cast<int>(keep);
    for (std::size_t i = keep; i < seen.size(); ++i)
      lv.slot[static_cast<std::size_t>(seen[i])] = lv.other;
  }
  return lv;
}

int add_level_columns(Columns& cols, const Levels& levels, const events::Dictionary& dict,
                      const std::string& prefix, const std::string& group, const std::string& unit,
                      const std::string& what_desc, const std::string& what_phrase) {
  const int first = cols.size();
  std::set<std::string> used;
  for (events::code_t code : levels.codes) {
    std::string s = slug(dict.value(code));
    if (s == "other") s = "other_level";
    std::string name = prefix + "_" + s;
    for (int k = 2; used.count(name) > 0; ++k) name = prefix + "_" + s + "_" + std::to_string(k);
    used.insert(name);
    const std::string& v = dict.value(code);
    cols.add(name, group, unit, what_desc + " '" + v + "'.", what_phrase + " " + v);
  }
  if (levels.other >= 0)
    cols.add(
        prefix + "_other", group, unit,
        what_desc + " outside the " + std::to_string(levels.codes.size()) + " most common values.",
        what_phrase + " other values");
  return first;
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
