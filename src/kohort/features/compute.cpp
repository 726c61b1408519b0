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

Result<FeatureTable> compute_features(const Context& ctx, const events::EventLog& log,
                                      const FeatureSpec& spec) {
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
  internal::TransactionFamily txf;
  internal::SessionFamily sessions;
  internal::EmailFamily emails;
  internal::SupportFamily support;
  internal::AttributeFamily attributes;
  internal::ReferralFamily referrals;
  txf.plan(ctx, log, spec, rows, cols);
  sessions.plan(ctx, log, spec, rows, cols);
  emails.plan(log, spec, cols);
  support.plan(ctx, log, spec, rows, cols);
  attributes.plan(log, spec, rows, cols);
  referrals.plan(log, spec, rows, row_of, cols);
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
  txf.finish(ctx, spend, main_category, out);
  ctx.log().debug("features: {} customers × {} features as of {}", n, d,
                  format_datetime(spec.as_of));
  return table;
}

}  // namespace kohort::features
