#include "kohort/sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>

#include "kohort/core/parallel.h"
#include "kohort/sim/internal/customer_block.h"
#include "kohort/sim/internal/output_file.h"
#include "kohort/sim/internal/text.h"
#include "kohort/sim/personas.h"

namespace kohort::sim {

namespace {

namespace fs = std::filesystem;
using internal::BlockOutput;
using internal::kStreamCount;

constexpr index_t kMaxCustomers = 100'000'000;
constexpr int kMaxDays = 36'500;
constexpr Seconds kEarliestStart = days_from_civil(1900, 1, 1) * kSecondsPerDay;
constexpr Seconds kLatestEnd = days_from_civil(9000, 1, 1) * kSecondsPerDay;

std::string_view extension(Compression c) {
  switch (c) {
    case Compression::gz:
      return ".csv.gz";
    case Compression::zst:
      return ".csv.zst";
    case Compression::none:
      break;
  }
  return ".csv";
}

int digits(index_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// One batch slot: a block's text and, when compressing, its compressed form.
struct Slot {
  BlockOutput out;
  std::array<internal::OutBuffer, kStreamCount> packed;
  Status status;
  bool ready = false;
};

}  // namespace

Status SimulateOptions::validate() const {
  if (customers < 1 || customers > kMaxCustomers)
    return Status::invalid_argument("--customers",
                                    fmt::format("{} is outside 1..{}", customers, kMaxCustomers),
                                    "pass how many customers to generate, e.g. --customers 100000");
  if (days < 1 || days > kMaxDays)
    return Status::invalid_argument("--days", fmt::format("{} is outside 1..{}", days, kMaxDays),
                                    "pass the period length in days, e.g. --days 730");
  if (start < kEarliestStart || end() > kLatestEnd)
    return Status::invalid_argument(
        "--start", fmt::format("{} is outside 1900-01-01..9000-01-01", format_date(start)),
        "pass a date such as --start 2023-01-01");
  if (out_dir.empty())
    return Status::invalid_argument("--out", "no output folder given",
                                    "pass the dataset folder, e.g. --out data/sim");
  if (drift != kNoDrift && (drift <= start || drift >= end()))
    return Status::invalid_argument(
        "--drift",
        fmt::format("{} is outside the period {} .. {}", format_date(drift), format_date(start),
                    format_date(end() - 1)),
        "pass a date inside the simulated period, e.g. the midpoint");
  if (block_customers < 1)
    return Status::invalid_argument("block_customers",
                                    fmt::format("{} is below the minimum 1", block_customers));
  return {};
}

index_t SimulateSummary::total_rows() const {
  index_t n = 0;
  for (const auto& f : files) n += f.rows;
  return n;
}

std::uint64_t SimulateSummary::total_bytes() const {
  std::uint64_t n = 0;
  for (const auto& f : files) n += f.bytes;
  return n;
}

Result<SimulateSummary> simulate(const Context& ctx, const SimulateOptions& options) {
  KOHORT_RETURN_IF_ERROR(options.validate());

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec || !fs::is_directory(options.out_dir, ec))
    return Status::io_error(
        options.out_dir,
        "cannot create the output folder: " + (ec ? ec.message() : std::string("not a folder")),
        "pass a writable folder to --out");

  std::array<bool, kStreamCount> selected{};
  for (int k = 0; k < kStreamCount; ++k)
    selected[static_cast<std::size_t>(k)] = options.streams == StreamSelection::all ||
                                            k == internal::kTransactions || k == internal::kTruth;

  std::array<internal::OutputFile, kStreamCount> files;
  const fs::path dir(options.out_dir);
  for (int k = 0; k < kStreamCount; ++k) {
    const auto sk = static_cast<std::size_t>(k);
    if (!selected[sk]) continue;
    const std::string name =
        std::string(internal::kStreamNames[sk]) + std::string(extension(options.compress));
    KOHORT_RETURN_IF_ERROR(files[sk].open((dir / name).string()));
  }

  const Seconds start = options.start, end = options.end();
  // Signups precede the period by at most the longest history plus a few weeks.
  const internal::DayTable days(day_of(start) - 800, day_of(end) + 1);
  internal::BlockSettings settings;
  settings.seed = ctx.seed();
  settings.customers = options.customers;
  settings.block_customers = options.block_customers;
  settings.id_width = std::max(7, digits(options.customers));
  settings.start = start;
  settings.end = end;
  settings.drift = options.drift;
  const bool drifting = options.drift != kNoDrift;
  settings.drift_shift = drifting && options.drift_kind == DriftKind::shift;
  settings.drift_emerge = drifting && options.drift_kind == DriftKind::emerge;
  settings.drift_fault = drifting && options.drift_kind == DriftKind::fault;
  settings.all_streams = options.streams == StreamSelection::all;
  settings.days = &days;

  const index_t blocks = block_count(options.customers, options.block_customers);
  const index_t batch = std::min<index_t>(blocks, 2 * static_cast<index_t>(ctx.threads()));
  std::vector<std::unique_ptr<Slot>> slots;
  for (index_t i = 0; i < batch; ++i) slots.push_back(std::make_unique<Slot>());
  const Compression compress = options.compress;

  SimulateSummary summary;
  summary.customers = options.customers;
  std::array<index_t, kStreamCount> rows{};
  ctx.progress().begin("simulating customers", options.customers);
  for (index_t b0 = 0; b0 < blocks; b0 += batch) {
    if (ctx.cancelled()) {
      ctx.progress().end();
      return Status::cancelled();
    }
    const index_t nb = std::min(batch, blocks - b0);
    // Blocks are written in block order by whichever thread completes the next one, so that
    // writing overlaps with the generation of the batch's later blocks.
    std::mutex write_mutex;
    index_t next_write = 0;
    Status write_status;
    for (index_t s = 0; s < nb; ++s) slots[static_cast<std::size_t>(s)]->ready = false;
    parallel_for_blocks(ctx, nb, 1, [&](index_t s, index_t, index_t) {
      Slot& slot = *slots[static_cast<std::size_t>(s)];
      internal::generate_block(settings, b0 + s, slot.out);
      slot.status = Status();
      if (compress != Compression::none) {
        for (int k = 0; k < kStreamCount && slot.status.ok(); ++k) {
          const auto sk = static_cast<std::size_t>(k);
          if (!selected[sk]) continue;
          slot.status = compress == Compression::gz
                            ? internal::gzip_member(slot.out.text[sk].view(), slot.packed[sk])
                            : internal::zstd_frame(slot.out.text[sk].view(), slot.packed[sk]);
        }
      }
      std::lock_guard<std::mutex> lock(write_mutex);
      slot.ready = true;
      while (next_write < nb && slots[static_cast<std::size_t>(next_write)]->ready) {
        Slot& w = *slots[static_cast<std::size_t>(next_write++)];
        if (write_status.ok()) write_status = w.status;
        for (int k = 0; k < kStreamCount && write_status.ok(); ++k) {
          const auto sk = static_cast<std::size_t>(k);
          if (!selected[sk]) continue;
          write_status = files[sk].write(compress != Compression::none ? w.packed[sk].view()
                                                                       : w.out.text[sk].view());
          rows[sk] += w.out.rows[sk];
        }
      }
    });
    KOHORT_RETURN_IF_ERROR(write_status);
    ctx.progress().step(std::min(options.customers, (b0 + nb) * options.block_customers));
  }
  ctx.progress().end();

  for (int k = 0; k < kStreamCount; ++k) {
    const auto sk = static_cast<std::size_t>(k);
    if (!selected[sk]) continue;
    KOHORT_RETURN_IF_ERROR(files[sk].commit());
    summary.files.push_back(
        {std::string(internal::kStreamNames[sk]), files[sk].path(), rows[sk], files[sk].bytes()});
  }
  // A folder that held an earlier dataset must not mix it with this one: the simulator's own
  // file names that this run did not write (other compression, unselected streams) go.
  for (int k = 0; k < kStreamCount; ++k) {
    const auto sk = static_cast<std::size_t>(k);
    for (const Compression c : {Compression::none, Compression::gz, Compression::zst}) {
      if (selected[sk] && c == options.compress) continue;
      const fs::path stale =
          dir / (std::string(internal::kStreamNames[sk]) + std::string(extension(c)));
      if (fs::remove(stale, ec)) {
        ctx.log().info("removed {} left by an earlier run", stale.string());
        summary.removed.push_back(stale.string());
      }
    }
  }
  return summary;
}

}  // namespace kohort::sim
