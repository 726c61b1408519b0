// kohort/sim/simulator.h — synthetic customer datasets with known personas and BG/NBD truth.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kohort/core/context.h"
#include "kohort/core/matrix.h"
#include "kohort/core/result.h"
#include "kohort/core/status.h"
#include "kohort/core/time.h"

namespace kohort::sim {

enum class Compression { none, gz, zst };
/// Which streams to write: every stream, or transactions only (truth.csv is always written).
enum class StreamSelection { all, transactions };

/// What changes at SimulateOptions::drift (--drift-kind).
enum class DriftKind {
  shift,   ///< every persona's behaviour shifts (Persona::drift_rate, drift_discount, drift_app)
  emerge,  ///< a persona the table lacks (emerging_persona()) starts acquiring customers
  fault,   ///< a feed fault: every amount from then on is written ×100 (a switch to cents)
};

/// No drift (the default of SimulateOptions::drift).
inline constexpr Seconds kNoDrift = std::numeric_limits<Seconds>::max();

/// Options for simulate(). Ranges are checked by validate().
struct SimulateOptions {
  index_t customers = 0;  ///< number of customers, 1 ≤ n ≤ 100,000,000 (--customers)
  std::string out_dir;    ///< dataset folder, created when missing (--out)
  Seconds start = days_from_civil(2023, 1, 1) * kSecondsPerDay;  ///< period start (--start)
  int days = 730;  ///< period length in days, 1 ≤ days ≤ 36,500 (--days)
  /// From this instant on the data drift as drift_kind says. shift: every persona's behaviour
  /// shifts (Persona::drift_rate multiplies the purchase rate, drift_discount is added to the
  /// discount share, drift_app of the channel mix moves to "app"); emerge: kEmergingShare of the
  /// customers come from emerging_persona(), each first buying a few weeks after this instant;
  /// fault: transactions at or after it carry amounts ×100. Must lie inside the period;
  /// kNoDrift for none (--drift).
  Seconds drift = kNoDrift;
  DriftKind drift_kind = DriftKind::shift;  ///< --drift-kind shift|emerge|fault
  Compression compress = Compression::none;        ///< --compress none|gz|zst
  StreamSelection streams = StreamSelection::all;  ///< --streams all|transactions
  /// Customers per generation block. Each block has its own random stream, so changing this
  /// changes the output (never the thread count). Not a CLI option; tests use small blocks.
  index_t block_customers = 4096;

  /// Ranges only. Fails with invalid_argument naming the flag (e.g. "--customers").
  [[nodiscard]] Status validate() const;
  /// The period's end: start + days.
  [[nodiscard]] Seconds end() const { return start + static_cast<Seconds>(days) * kSecondsPerDay; }
};

/// One written file.
struct FileSummary {
  std::string stream;       ///< "transactions", "sessions", …, "truth"
  std::string path;         ///< final path, e.g. "out/transactions.csv.gz"
  index_t rows = 0;         ///< data rows (the header not counted)
  std::uint64_t bytes = 0;  ///< bytes on disk (compressed size when compressed)
};

struct SimulateSummary {
  index_t customers = 0;
  std::vector<FileSummary> files;    ///< in the order transactions, sessions, emails, support,
                                     ///< customers, referrals, truth (selected ones only)
  std::vector<std::string> removed;  ///< stale files of an earlier run that were deleted
  [[nodiscard]] index_t total_rows() const;
  [[nodiscard]] std::uint64_t total_bytes() const;
};

/// Writes a dataset folder: one CSV per stream (transactions, sessions, emails, support,
/// customers, referrals) plus truth.csv with each customer's persona and true BG/NBD and
/// Gamma-Gamma parameters. Headers:
///   transactions.csv  customer_id,order_id,timestamp,amount,quantity,product_id,category,
///                     channel,payment_method,discount,returned
///   sessions.csv      customer_id,timestamp,duration_s,pages,category,search,device
///   emails.csv        customer_id,timestamp,event,campaign
///   support.csv       customer_id,timestamp,topic,sentiment
///   customers.csv     customer_id,signup_date,region,age,loyalty_tier,gender,email (c…@example.com)
///   referrals.csv     referrer_id,referred_id,timestamp
///   truth.csv         customer_id,persona,lambda,p_dropout,mean_order_value,alive_at_end
/// Rows are grouped by customer (ids C0000001.., width max(7, digits of n)) and sorted by time
/// within a customer. Every event lies in [start, end); signup dates may precede start.
///
/// Determinism: customers are generated in blocks of block_customers, each from
/// ctx.rng("sim.customer", block) (and "sim.sessions", "sim.emails", "sim.support" for those
/// streams), in parallel on ctx.threads() threads, and written in block order: the bytes
/// depend on the seed and the options, never on the thread count; transactions.csv is the
/// same with either StreamSelection.
///
/// Compression: every file (truth.csv too) gets ".gz" or ".zst" and is a sequence of gzip
/// members / zstd frames, one per block (RFC 1952 §2.2 and RFC 8878 §3 allow concatenation;
/// zcat, gzread and ZSTD_decompressStream read them whole).
///
/// Files: written as "<name>.tmp" and renamed into place when all are complete; on failure or
/// cancellation the temporary files are removed. After success, files in the folder with the
/// simulator's names that this run did not write (another --compress, streams not selected)
/// are deleted, so that the folder never mixes two datasets; the summary lists them. No fsync
/// (a dataset is regenerated from its seed): a failed or interrupted run leaves no partial
/// file under a final name, but a system crash may.
///
/// Fails with invalid_argument (options), io_error naming the path (the folder or a file
/// cannot be created or written), cancelled. Memory: O(block_customers · 2 · threads)
/// customers' rows of text, independent of n. Reports progress per batch of blocks.
[[nodiscard]] Result<SimulateSummary> simulate(const Context& ctx, const SimulateOptions& options);

}  // namespace kohort::sim
