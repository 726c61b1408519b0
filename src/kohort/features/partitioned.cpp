#include "kohort/features/partitioned.h"

#include <algorithm>
#include <optional>
#include <queue>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/features/compute.h"

namespace kohort::features {

namespace {

// One partition's share of the result, before the rows are put in order.
struct Part {
  FeatureTable table;
  std::vector<std::string> ids;
  RelativeInputs relative;
};

}  // namespace

std::optional<Population> routed_population(const io::PartitionedDataset& data,
                                            const FeatureSpec& spec) {
  if (data.last_event_time != events::kMissingTime && spec.as_of <= data.last_event_time)
    return std::nullopt;
  index_t transactions = 0;
  for (const auto& r : data.reports) {
    if (r.stream == "transactions") transactions = r.rows_accepted;
    else if (r.stream != "emails" && r.stream != "referrals") return std::nullopt;
  }
  Population pop;
  if (transactions == 0) return pop;
  const std::pair<const char*, const char*> columns[] = {
      {"order_id", "transactions.order"},   {"quantity", "transactions.quantity"},
      {"product_id", "transactions.product"}, {"category", "transactions.category"},
      {"channel", "transactions.channel"},  {"payment_method", "transactions.payment"},
      {"discount", "transactions.discount"}, {"returned", "transactions.returned"}};
  for (const auto& [role, key] : columns)
    if (data.transaction_roles.count(role) > 0) pop.columns.insert(key);
  const std::pair<const char*, const char*> levels[] = {{"category", "transactions.category"},
                                                        {"channel", "transactions.channel"},
                                                        {"payment_method", "transactions.payment"}};
  for (const auto& [role, key] : levels) {
    const auto it = data.transaction_values.find(role);
    if (it != data.transaction_values.end() && pop.columns.count(key) > 0) pop.levels[key] = it->second;
  }
  return pop;
}

Result<PartitionedTable> compute_features_partitioned(const Context& ctx,
                                                      const io::PartitionedDataset& data,
                                                      const FeatureSpec& spec,
                                                      const PartitionVisitor& visit) {
  KOHORT_RETURN_IF_ERROR(spec.validate());
  // The population: what every partition's columns are chosen from.
  const auto routed = routed_population(data, spec);
  Population population = routed.value_or(Population{});
  // Partition k's log, under a progress label.
  const auto load = [&](std::uint32_t k, const char* what) -> Result<io::Dataset> {
    if (ctx.cancelled()) return Status::cancelled();
    ctx.progress().begin(fmt::format("{} partition {}/{}", what, k + 1, data.partitions), 0);
    auto ds = io::load_partition(ctx, data, k);
    ctx.progress().end();
    return ds;
  };
  for (std::uint32_t k = 0; !routed && k < data.partitions; ++k) {
    auto ds = load(k, "counting");
    if (!ds.ok()) return ds.status();
    auto counted = count_population(ctx, ds->log, spec);
    if (!counted.ok()) return counted.status();
    population.merge(*counted);
  }

  std::vector<Part> parts(data.partitions);
  PartitionInputs inputs;
  inputs.population = &population;
  for (std::uint32_t k = 0; k < data.partitions; ++k) {
    auto ds = load(k, "reading");
    if (!ds.ok()) return ds.status();
    Part& part = parts[k];
    inputs.relative = &part.relative;
    auto table = compute_features(ctx, ds->log, spec, inputs);
    if (!table.ok()) return table.status();
    part.table = std::move(*table);
    if (visit) KOHORT_RETURN_IF_ERROR(visit(k, *ds, part.table));
    part.ids.reserve(part.table.customers.size());
    for (const auto c : part.table.customers) part.ids.push_back(ds->log.external_id(c));
    if (k > 0 && part.table.names() != parts[0].table.names())
      return Status::internal("features",
                              fmt::format("partition {} has other columns than partition 0", k));
  }

  // The rows in the canonical order of their ids: a k-way merge of the sorted partitions.
  PartitionedTable out;
  FeatureTable& t = out.table;
  t.as_of = spec.as_of;
  t.info = parts.empty() ? std::vector<FeatureInfo>{} : parts[0].table.info;
  index_t n = 0;
  for (const auto& p : parts) n += p.table.rows();
  const auto d = static_cast<index_t>(t.info.size());
  t.values = Matrix<float>(n, d);
  out.ids.reserve(static_cast<std::size_t>(n));
  t.customers.resize(static_cast<std::size_t>(n));
  out.origin.resize(static_cast<std::size_t>(n));
  RelativeInputs relative;
  relative.spend.reserve(static_cast<std::size_t>(n));
  relative.main_category.reserve(static_cast<std::size_t>(n));
  using Head = std::pair<std::uint32_t, std::size_t>;  // partition, row
  auto later = [&](const Head& a, const Head& b) {
    return io::canonical_id_less(parts[b.first].ids[b.second], parts[a.first].ids[a.second]);
  };
  std::priority_queue<Head, std::vector<Head>, decltype(later)> heads(later);
  for (std::uint32_t k = 0; k < parts.size(); ++k)
    if (!parts[k].ids.empty()) heads.push({k, 0});
  index_t r = 0;
  while (!heads.empty()) {
    const auto [k, i] = heads.top();
    heads.pop();
    Part& p = parts[k];
    const float* src = p.table.values.row(static_cast<index_t>(i));
    std::copy(src, src + d, t.values.row(r));
    t.customers[static_cast<std::size_t>(r)] = static_cast<events::customer_t>(r);
    out.origin[static_cast<std::size_t>(r)] = {k, static_cast<std::uint32_t>(i)};
    out.ids.push_back(std::move(p.ids[i]));
    relative.append_row(p.relative, i);
    ++r;
    if (i + 1 < p.ids.size()) heads.push({k, i + 1});
    else p = Part{};  // its rows are all placed
  }
  KOHORT_RETURN_IF_ERROR(fill_relative(ctx, relative, t));

  if (data.referrals != nullptr) {
    const events::EventLog& refs = data.referrals->log;
    // The referral log's customers → rows, by id (both sorted canonically: a merge join).
    std::vector<index_t> row_of(static_cast<std::size_t>(refs.customers()), -1);
    std::size_t j = 0;
    for (index_t c = 0; c < refs.customers(); ++c) {
      const std::string& id = refs.external_id(static_cast<events::customer_t>(c));
      while (j < out.ids.size() && io::canonical_id_less(out.ids[j], id)) ++j;
      if (j < out.ids.size() && out.ids[j] == id) row_of[static_cast<std::size_t>(c)] = static_cast<index_t>(j);
    }
    KOHORT_RETURN_IF_ERROR(append_referral_features(ctx, refs, spec, row_of, t));
  }
  return out;
}

}  // namespace kohort::features
