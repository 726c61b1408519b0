#include "kohort/features/compute.h"

#include <algorithm>

#include <fmt/format.h>

#include "kohort/core/parallel.h"
#include "kohort/features/families/attributes.h"
#include "kohort/features/families/common.h"
#include "kohort/features/families/emails.h"
#include "kohort/features/families/referrals.h"
#include "kohort/features/families/sessions.h"
#include "kohort/features/families/support.h"
#include "kohort/features/families/transactions.h"

namespace kohort::features {

namespace {

constexpr index_t kBlock = 2048;         // customers per block
constexpr index_t kBlocksPerChunk = 64;  // progress and cancellation between chunks

Status check_finalized(const events::EventLog& log) {
  const auto want = static_cast<std::size_t>(log.customers()) + 1;
  const auto check = [&](events::Stream s, std::size_t offsets, std::size_t rows) -> Status {
    if (s != events::Stream::transactions && !log.has(s)) return {};
    if (offsets != want && !(rows == 0 && log.customers() == 0))
      return Status::invalid_argument(
          std::string(events::stream_name(s)),
          "the event log is not finalized (per-customer offsets are missing)",
          "call EventLog::finalize() after building the log and before compute_features()");
    return {};
  };
  KOHORT_RETURN_IF_ERROR(check(events::Stream::transactions, log.transactions.offsets.size(),
                               static_cast<std::size_t>(log.transactions.size())));
  KOHORT_RETURN_IF_ERROR(check(events::Stream::sessions, log.sessions.offsets.size(),
                               static_cast<std::size_t>(log.sessions.size())));
  KOHORT_RETURN_IF_ERROR(check(events::Stream::emails, log.emails.offsets.size(),
                               static_cast<std::size_t>(log.emails.size())));
  KOHORT_RETURN_IF_ERROR(check(events::Stream::support, log.support.offsets.size(),
                               static_cast<std::size_t>(log.support.size())));
  KOHORT_RETURN_IF_ERROR(check(events::Stream::customers, log.attributes.offsets.size(),
                               static_cast<std::size_t>(log.attributes.size())));
  return {};
}

}  // namespace

namespace {

// compute_features() and count_population() in one: plans every family (which records the
// log's population in `counted`), and unless plan_only computes the rows.
Result<FeatureTable> run(const Context& ctx, const events::EventLog& log, const FeatureSpec& spec,
                         const PartitionInputs& partition, Population& counted, bool plan_only) {
  KOHORT_RETURN_IF_ERROR(spec.validate());
  KOHORT_RETURN_IF_ERROR(check_finalized(log));
  const index_t n_customers = log.customers();
  const auto& tx = log.transactions;

  // Rows: customers with at least one transaction before the as-of instant.
  std::vector<std::uint8_t> has(static_cast<std::size_t>(n_customers), 0);
  if (tx.size() > 0)
    parallel_for_blocks(ctx, n_customers, 1 << 16, [&](index_t, index_t begin, index_t end) {
      for (index_t c = begin; c < end; ++c)
        has[static_cast<std::size_t>(c)] =
            events::rows_before(tx.offsets, tx.time, static_cast<events::customer_t>(c), spec.as_of)
                        .size() > 0
                ? 1
                : 0;
    });
  FeatureTable table;
  table.as_of = spec.as_of;
  std::vector<index_t> row_of(static_cast<std::size_t>(n_customers), -1);
  for (index_t c = 0; c < n_customers; ++c)
    if (has[static_cast<std::size_t>(c)] != 0) {
      row_of[static_cast<std::size_t>(c)] = static_cast<index_t>(table.customers.size());
      table.customers.push_back(static_cast<events::customer_t>(c));
    }
  const std::span<const events::customer_t> rows = table.customers;

  internal::Columns cols;
  internal::PopulationInputs pop(partition.population, counted);
  internal::TransactionFamily txf;
  internal::SessionFamily sessions;
  internal::EmailFamily emails;
  internal::SupportFamily support;
  internal::AttributeFamily attributes;
  internal::ReferralFamily referrals;
  txf.plan(ctx, log, spec, rows, pop, cols);
  sessions.plan(ctx, log, spec, rows, pop, cols);
  emails.plan(log, spec, cols);
  support.plan(ctx, log, spec, rows, pop, cols);
  attributes.plan(log, spec, rows, pop, cols);
  referrals.plan(log, spec, rows, row_of, cols);
  if (plan_only) return table;
  if (cols.size() == 0)
    return Status::invalid_argument("groups", "the selected feature groups give no column",
                                    "select groups whose streams are present in the data");

  const index_t n = static_cast<index_t>(rows.size());
  const index_t d = cols.size();
  table.values = Matrix<float>(n, d);
  table.info = cols.take();
  std::vector<double> spend(static_cast<std::size_t>(n), 0.0);
  std::vector<events::code_t> main_category(static_cast<std::size_t>(n), events::kMissingCode);
  MatrixView<float> out = table.values.view();

  const auto run_block = [&](index_t, index_t begin, index_t end) {
    internal::Scratch s;
    s.cat_spend.assign(txf.n_categories(), 0.0);
    s.cat_seen.assign(txf.n_categories(), 0);
    internal::CustomerState st;
    for (index_t r = begin; r < end; ++r) {
      const auto c = rows[static_cast<std::size_t>(r)];
      float* row = out.row(r);
      std::fill(row, row + d, internal::kNaN);
      txf.compute(c, s, st, row);
      if (sessions.active()) sessions.compute(c, s, st, row);
      if (emails.active()) emails.compute(c, row);
      if (support.active()) support.compute(c, st, row);
      if (attributes.active()) attributes.compute(c, row);
      if (referrals.active()) referrals.compute(r, row);
      spend[static_cast<std::size_t>(r)] = st.spend_total;
      main_category[static_cast<std::size_t>(r)] = st.main_category;
    }
  };
  const index_t chunk = kBlock * kBlocksPerChunk;
  ctx.progress().begin("features", n);
  for (index_t start = 0; start < n; start += chunk) {
    if (ctx.cancelled()) {
      ctx.progress().end();
      return Status::cancelled();
    }
    const index_t stop = std::min(n, start + chunk);
    parallel_for_blocks(ctx, stop - start, kBlock, [&](index_t b, index_t begin, index_t end) {
      run_block(b, start + begin, start + end);
    });
    ctx.progress().step(stop);
  }
  ctx.progress().end();
  if (partition.relative != nullptr) {
    // The partition's share of the relative inputs; the columns are filled on the whole table.
    RelativeInputs& rel = *partition.relative;
    const auto& dict = log.transactions.categories;
    std::vector<std::int32_t> local(dict.size(), -1);
    for (std::size_t r = 0; r < spend.size(); ++r) {
      rel.spend.push_back(spend[r]);
      std::int32_t m = -1;
      if (main_category[r] >= 0) {
        auto& slot = local[static_cast<std::size_t>(main_category[r])];
        if (slot < 0) {
          const std::string& text = dict.value(main_category[r]);
          const auto it = rel.category_index.find(text);
          if (it != rel.category_index.end()) {
            slot = it->second;
          } else {
            slot = static_cast<std::int32_t>(rel.categories.size());
            rel.categories.push_back(text);
            rel.category_index.emplace(text, slot);
          }
        }
        m = slot;
      }
      rel.main_category.push_back(m);
    }
  } else {
    txf.finish(ctx, spend, main_category, out);
  }
  ctx.log().debug("features: {} customers × {} features as of {}", n, d,
                  format_datetime(spec.as_of));
  return table;
}

}  // namespace

Result<FeatureTable> compute_features(const Context& ctx, const events::EventLog& log,
                                      const FeatureSpec& spec) {
  return compute_features(ctx, log, spec, PartitionInputs{});
}

Result<FeatureTable> compute_features(const Context& ctx, const events::EventLog& log,
                                      const FeatureSpec& spec, const PartitionInputs& partition) {
  Population counted;
  return run(ctx, log, spec, partition, counted, false);
}

Result<Population> count_population(const Context& ctx, const events::EventLog& log,
                                    const FeatureSpec& spec) {
  Population counted;
  auto planned = run(ctx, log, spec, PartitionInputs{}, counted, true);
  if (!planned.ok()) return planned.status();
  return counted;
}

Status fill_relative(const Context& ctx, const RelativeInputs& inputs, FeatureTable& table) {
  if (inputs.spend.size() != static_cast<std::size_t>(table.rows()) ||
      inputs.main_category.size() != inputs.spend.size())
    return Status::invalid_argument(
        "relative", fmt::format("{} relative inputs for a table of {} rows", inputs.spend.size(),
                                table.rows()),
        "pass one entry per row, in the table's row order");
  internal::fill_relative_columns(ctx, inputs.spend, inputs.main_category,
                                  inputs.categories.size(),
                                  static_cast<int>(table.column("spend_vs_population_median")),
                                  static_cast<int>(table.column("spend_vs_category_median")),
                                  table.values.view());
  return {};
}

Status append_referral_features(const Context& ctx, const events::EventLog& referrals,
                                const FeatureSpec& spec, std::span<const index_t> row_of,
                                FeatureTable& table) {
  (void)ctx;
  const index_t n = table.rows();
  std::vector<events::customer_t> rows(static_cast<std::size_t>(n));
  internal::Columns cols;
  internal::ReferralFamily family;
  family.plan(referrals, spec, rows, row_of, cols);
  if (!family.active() || cols.size() == 0) return {};
  const index_t d0 = table.cols();
  const index_t d = d0 + cols.size();
  Matrix<float> values(n, d);
  for (index_t r = 0; r < n; ++r) {
    const float* src = table.values.row(r);
    float* dst = values.row(r);
    std::copy(src, src + d0, dst);
    std::fill(dst + d0, dst + d, internal::kNaN);
    // The family's columns are numbered from 0 in `cols`: shift the row pointer.
    family.compute(r, dst + d0);
  }
  table.values = std::move(values);
  for (auto& info : cols.take()) table.info.push_back(std::move(info));
  return {};
}

void Population::merge(const Population& other) {
  for (const auto& [key, counts] : other.levels) {
    auto& mine = levels[key];
    for (const auto& [text, count] : counts) mine[text] += count;
  }
  columns.insert(other.columns.begin(), other.columns.end());
}

void RelativeInputs::append_row(const RelativeInputs& other, std::size_t row) {
  spend.push_back(other.spend[row]);
  const std::int32_t m = other.main_category[row];
  if (m < 0) {
    main_category.push_back(-1);
    return;
  }
  const std::string& text = other.categories[static_cast<std::size_t>(m)];
  const auto it = category_index.find(text);
  if (it != category_index.end()) {
    main_category.push_back(it->second);
    return;
  }
  const auto slot = static_cast<std::int32_t>(categories.size());
  categories.push_back(text);
  category_index.emplace(text, slot);
  main_category.push_back(slot);
}

}  // namespace kohort::features
