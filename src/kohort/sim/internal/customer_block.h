// kohort/sim/internal/customer_block.h — one block of customers rendered to CSV text.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "kohort/core/matrix.h"
#include "kohort/core/time.h"
#include "kohort/sim/internal/text.h"

namespace kohort::sim::internal {

enum StreamIndex : int {
  kTransactions,
  kSessions,
  kEmails,
  kSupport,
  kCustomers,
  kReferrals,
  kTruth,
  kStreamCount
};

inline constexpr std::array<std::string_view, kStreamCount> kStreamNames = {
    "transactions", "sessions", "emails", "support", "customers", "referrals", "truth"};

/// Header lines, newline included (other parts of Kohort infer column roles from them).
inline constexpr std::array<std::string_view, kStreamCount> kHeaders = {
    "customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,"
    "payment_method,discount,returned\n",
    "customer_id,timestamp,duration_s,pages,category,search,device\n",
    "customer_id,timestamp,event,campaign\n",
    "customer_id,timestamp,topic,sentiment\n",
    "customer_id,signup_date,region,age,loyalty_tier,gender,email\n",
    "referrer_id,referred_id,timestamp\n",
    "customer_id,persona,lambda,p_dropout,mean_order_value,alive_at_end\n"};

/// Everything a block needs besides its index; shared read-only by all blocks.
struct BlockSettings {
  std::uint64_t seed = 0;
  index_t customers = 0;        ///< total n
  index_t block_customers = 0;  ///< customers per block
  int id_width = 7;             ///< digits in "C0000001"
  Seconds start = 0, end = 0;   ///< the period [start, end)
  Seconds drift = 0;            ///< kNever for none
  bool drift_shift = false;     ///< behaviour shifts at drift (DriftKind::shift)
  bool drift_emerge = false;    ///< emerging_persona() acquires customers after drift
  bool drift_fault = false;     ///< amounts ×100 from drift on
  bool all_streams = true;      ///< false: transactions and truth only
  const DayTable* days = nullptr;
};

/// The text of one block, per stream, and its row counts.
struct BlockOutput {
  std::array<OutBuffer, kStreamCount> text;
  std::array<index_t, kStreamCount> rows{};
};

/// Generates customers [block · block_customers, min(n, (block+1) · block_customers)) into
/// `out` (cleared first; block 0 starts with the header lines). Deterministic in (settings,
/// block). Thread-safe for distinct `out`.
void generate_block(const BlockSettings& settings, index_t block, BlockOutput& out);

}  // namespace kohort::sim::internal
