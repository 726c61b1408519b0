#include "kohort/select/compare.h"

#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

namespace kohort::select {

namespace {

struct Contingency {
  std::vector<std::int64_t> table;  // ka × kb
  std::vector<std::int64_t> rows, cols;
  std::size_t ka = 0, kb = 0;
  std::int64_t n = 0;
};

std::vector<std::int32_t> encode(std::span<const std::int32_t> v, std::size_t& k) {
  std::map<std::int32_t, std::int32_t> codes;
  for (auto x : v) codes.emplace(x, 0);
  std::int32_t next = 0;
  for (auto& [key, code] : codes) code = next++;
  std::vector<std::int32_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = codes[v[i]];
  k = codes.size();
  return out;
}

Result<Contingency> contingency(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  if (a.size() != b.size())
    return Status::invalid_input("labels", fmt::format("partitions of {} and {} rows cannot be "
                                                       "compared", a.size(), b.size()));
  Contingency c;
  const auto ea = encode(a, c.ka), eb = encode(b, c.kb);
  c.table.assign(c.ka * c.kb, 0);
  c.rows.assign(c.ka, 0);
  c.cols.assign(c.kb, 0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    ++c.table[static_cast<std::size_t>(ea[i]) * c.kb + static_cast<std::size_t>(eb[i])];
    ++c.rows[static_cast<std::size_t>(ea[i])];
    ++c.cols[static_cast<std::size_t>(eb[i])];
  }
  c.n = static_cast<std::int64_t>(a.size());
  return c;
}

double comb2(std::int64_t x) { return 0.5 * static_cast<double>(x) * static_cast<double>(x - 1); }

}  // namespace

Result<double> adjusted_rand_index(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  KOHORT_ASSIGN_OR_RETURN(auto c, contingency(a, b));
  // Special cases as scikit-learn: identical trivial partitions score 1.
  if (c.n == 0 || (c.ka == c.kb && (c.ka == 1 || static_cast<std::int64_t>(c.ka) == c.n)))
    return 1.0;
  double sum_ij = 0, sum_a = 0, sum_b = 0;
  for (auto v : c.table) sum_ij += comb2(v);
  for (auto v : c.rows) sum_a += comb2(v);
  for (auto v : c.cols) sum_b += comb2(v);
  const double expected = sum_a * sum_b / comb2(c.n);
  const double max_index = 0.5 * (sum_a + sum_b);
  if (max_index == expected) return 1.0;
  return (sum_ij - expected) / (max_index - expected);
}

Result<double> normalized_mutual_info(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  KOHORT_ASSIGN_OR_RETURN(auto c, contingency(a, b));
  if ((c.ka == 1 && c.kb == 1) || c.n == 0) return 1.0;
  const auto n = static_cast<double>(c.n);
  double mi = 0;
  for (std::size_t i = 0; i < c.ka; ++i)
    for (std::size_t j = 0; j < c.kb; ++j) {
      const auto v = static_cast<double>(c.table[i * c.kb + j]);
      if (v <= 0) continue;
      mi += v / n * std::log(v * n / (static_cast<double>(c.rows[i]) * static_cast<double>(c.cols[j])));
    }
  auto entropy = [&](const std::vector<std::int64_t>& m) {
    double h = 0;
    for (auto v : m)
      if (v > 0) h -= static_cast<double>(v) / n * std::log(static_cast<double>(v) / n);
    return h;
  };
  const double ha = entropy(c.rows), hb = entropy(c.cols);
  const double denom = 0.5 * (ha + hb);
  if (denom <= 0) return 1.0;
  return std::max(0.0, mi) / std::max(denom, std::numeric_limits<double>::epsilon());
}

Result<std::vector<double>> best_jaccard(std::span<const std::int32_t> reference,
                                         std::span<const std::int32_t> other) {
  if (reference.size() != other.size())
    return Status::invalid_input("labels", fmt::format("partitions of {} and {} rows cannot be "
                                                       "compared", reference.size(), other.size()));
  std::int32_t kr = 0;
  for (auto l : reference) kr = std::max(kr, l + 1);
  std::unordered_map<std::int64_t, std::int64_t> inter;
  std::vector<std::int64_t> size_r(static_cast<std::size_t>(kr), 0);
  std::unordered_map<std::int32_t, std::int64_t> size_o;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    ++size_o[other[i]];
    if (reference[i] < 0) continue;
    ++size_r[static_cast<std::size_t>(reference[i])];
    ++inter[(static_cast<std::int64_t>(reference[i]) << 32) ^ static_cast<std::uint32_t>(other[i])];
  }
  std::vector<double> best(static_cast<std::size_t>(kr), std::numeric_limits<double>::quiet_NaN());
  for (std::int32_t r = 0; r < kr; ++r)
    if (size_r[static_cast<std::size_t>(r)] > 0) best[static_cast<std::size_t>(r)] = 0.0;
  for (const auto& [key, cnt] : inter) {
    const auto r = static_cast<std::int32_t>(key >> 32);
    const auto o = static_cast<std::int32_t>(static_cast<std::uint32_t>(key & 0xffffffff));
    const double uni = static_cast<double>(size_r[static_cast<std::size_t>(r)] + size_o[o] - cnt);
    best[static_cast<std::size_t>(r)] = std::max(best[static_cast<std::size_t>(r)], static_cast<double>(cnt) / uni);
  }
  return best;
}

}  // namespace kohort::select
