#include "kohort/io/dataset.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/paths.h"
#include "kohort/core/text.h"
#include "kohort/io/internal/compressed.h"
#include "kohort/io/internal/config.h"
#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/local_dict.h"
#include "kohort/io/internal/order.h"
#include "kohort/io/internal/read_plan.h"
#include "kohort/io/internal/read_stream.h"
#include "kohort/io/internal/router.h"
#include "kohort/io/internal/windows.h"

namespace kohort::io {

namespace fs = std::filesystem;
using events::Stream;
using internal::canonical_order;
using internal::ChunkOut;
using internal::ends_with;
using internal::fill_stream;
using internal::LocalDict;
using internal::merge_window;
using internal::ParsedStream;
using internal::Plan;
using internal::read_records;
using internal::read_stream;
using internal::release;
using internal::Router;

bool canonical_id_less(std::string_view a, std::string_view b) {
  return internal::canonical_less(internal::is_digits(a), a, internal::is_digits(b), b);
}

bool parse_on_error(std::string_view text, OnError& out) {
  if (text == "fail") out = OnError::fail;
  else if (text == "skip") out = OnError::skip;
  else if (text == "quarantine") out = OnError::quarantine;
  else return false;
  return true;
}

namespace {

constexpr Stream kStreams[] = {Stream::transactions, Stream::sessions, Stream::emails,
                               Stream::support,      Stream::customers, Stream::referrals};

// The stream a file name stands for: "transactions.csv.gz" → transactions.
std::optional<Stream> stream_of(const std::string& name) {
  std::string_view base = name;
  if (ends_with(base, ".gz")) base.remove_suffix(3);
  else if (ends_with(base, ".zst")) base.remove_suffix(4);
  bool known = false;
  for (std::string_view ext : {".csv", ".tsv", ".jsonl", ".ndjson", ".txt"}) {
    if (ends_with(base, ext)) {
      base.remove_suffix(ext.size());
      known = true;
      break;
    }
  }
  if (!known) return std::nullopt;
  for (Stream s : kStreams)
    if (base == stream_name(s)) return s;
  return std::nullopt;
}

// The files of a dataset (a folder, its kohort.toml, or one transactions file), in stream
// order, and the configuration of each stream (empty without a kohort.toml).
// A file kohort.toml names for stream `s` must lie inside the dataset folder (after links are
// followed) unless the stream's table says allow_outside = true.
Status check_inside(const std::string& folder, const std::string& name, const internal::StreamConfig& cfg,
                    Stream s) {
  if (cfg.allow_outside) return {};
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(fs::absolute(folder, ec), ec);
  const fs::path target = fs::weakly_canonical(fs::absolute(fs::path(folder) / name, ec), ec);
  const auto rel = target.lexically_relative(root);
  if (!ec && !rel.empty() && *rel.begin() != ".." && rel.is_relative()) return {};
  return Status::invalid_argument(
      cfg.file_where,
      fmt::format("[{}] names '{}', which is outside the dataset folder {}", stream_name(s), printable(name, 80),
                  printable(folder, 80)),
      fmt::format("move the file into the folder, or allow it explicitly: allow_outside = true in [{}]",
                  stream_name(s)));
}

Status resolve_files(const std::string& path, const ReadOptions& options,
                     std::vector<std::pair<Stream, std::string>>& files,
                     std::vector<internal::StreamConfig>& config, Dataset& ds) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    return Status::not_found(path, "no such file or folder",
                             "pass a folder with transactions.csv (and optional sessions, "
                             "emails, support, customers, referrals files) or one "
                             "transactions file");
  if (fs::is_directory(st)) {
    const fs::path toml_path =
        options.config.empty() ? fs::path(path) / "kohort.toml" : fs::path(options.config);
    std::vector<std::string> configured;  // file names kohort.toml assigns to a stream
    if (!options.config.empty() && !fs::is_regular_file(toml_path, ec))
      return Status::not_found(options.config, "no such configuration file",
                               "pass the path of a kohort.toml, or leave --config out to use the "
                               "dataset folder's own");
    if (fs::exists(toml_path, ec)) {
      KOHORT_ASSIGN_OR_RETURN(config, internal::read_dataset_config(toml_path.string()));
      for (Stream s : kStreams) {
        const auto& cfg = config[static_cast<std::size_t>(s)];
        if (!cfg.sqlite.empty()) {
          KOHORT_RETURN_IF_ERROR(check_inside(path, cfg.sqlite, cfg, s));
          files.emplace_back(s, (fs::path(path) / cfg.sqlite).string());
          configured.push_back(fs::path(cfg.sqlite).filename().string());
          continue;
        }
        if (!cfg.postgresql.empty()) {
          files.emplace_back(
              s, "postgresql:" + (cfg.table.empty() ? std::string("query") : cfg.table));
          continue;
        }
        if (cfg.file.empty()) continue;
        KOHORT_RETURN_IF_ERROR(check_inside(path, cfg.file, cfg, s));
        const fs::path f = fs::path(path) / cfg.file;
        if (!fs::is_regular_file(f, ec))
          return Status::not_found(cfg.file_where,
                                   fmt::format("{} file '{}' does not exist", stream_name(s),
                                               f.string()),
                                   "check the file name in kohort.toml");
        files.emplace_back(s, f.string());
        configured.push_back(f.filename().string());
      }
    }
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_regular_file()) names.push_back(name);
      else if (stream_of(name)) return check_regular_file(e.path().string());  // a FIFO, /dev/zero…
    }
    if (ec) return Status::io_error(path, "cannot list the folder: " + ec.message());
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name == "kohort.toml" ||
          std::find(configured.begin(), configured.end(), name) != configured.end())
        continue;
      const auto s = stream_of(name);
      if (!s) {
        ds.notes.push_back(name + " ignored");
        continue;
      }
      if (!config.empty() && (!config[static_cast<std::size_t>(*s)].file.empty() ||
                              !config[static_cast<std::size_t>(*s)].sqlite.empty() ||
                              !config[static_cast<std::size_t>(*s)].postgresql.empty())) {
        const auto& cfg = config[static_cast<std::size_t>(*s)];
        ds.notes.push_back(fmt::format("{} ignored (kohort.toml names {} for {})", name,
                                       !cfg.file.empty()     ? cfg.file
                                       : !cfg.sqlite.empty() ? cfg.sqlite
                                                             : std::string("a PostgreSQL source"),
                                       stream_name(*s)));
        continue;
      }
      for (const auto& [other_stream, other] : files)
        if (other_stream == *s)
          return Status::invalid_input(
              path, fmt::format("two files for stream {}: {} and {}", stream_name(*s),
                                fs::path(other).filename().string(), name),
              "keep one file per stream in the folder");
      files.emplace_back(*s, (fs::path(path) / name).string());
    }
    const bool has_tx = std::any_of(files.begin(), files.end(), [](const auto& f) {
      return f.first == Stream::transactions;
    });
    if (!has_tx)
      return Status::not_found(path, "no transactions file in the folder",
                               "name it transactions.csv (or .tsv, .jsonl; optionally .gz or "
                               ".zst), or name it in kohort.toml: [transactions] file = "
                               "\"orders.csv\"");
    std::stable_sort(files.begin(), files.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  } else {
    files.emplace_back(Stream::transactions, path);
  }

  if (!options.transaction_columns.empty()) {
    if (config.empty()) config.resize(std::size(kStreams));
    auto& roles = config[static_cast<std::size_t>(Stream::transactions)].roles;
    for (const auto& ov : options.transaction_columns) {
      roles.erase(
          std::remove_if(roles.begin(), roles.end(),
                         [&](const internal::RoleOverride& r) { return r.role == ov.role; }),
          roles.end());
      roles.push_back({ov.role, ov.column, ov.where});
    }
  }
  return {};
}

// A stream's rows, read with provisional customer codes into `customers`.
using StreamRead =
    std::function<Result<ParsedStream>(Stream, const std::string& file, LocalDict& customers)>;

// Builds ds.log from the files' streams: each stream is ordered into the log as soon as it is
// read, so that only one stream's provisional columns exist at a time; customer columns hold
// provisional codes until every stream is read and the final ids are known.
Status build_log(const Context& ctx, const std::vector<std::pair<Stream, std::string>>& files,
                 const StreamRead& read, Dataset& ds) {
  LocalDict customers;
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  for (const auto& [stream, file] : files) {
    if (ctx.cancelled()) return Status::cancelled();
    const auto t0 = Clock::now();
    auto ps = read(stream, file, customers);
    if (!ps.ok()) return ps.status();
    const double read_s = seconds(t0);
    const auto t1 = Clock::now();
    std::vector<std::int32_t> rank(customers.size());
    {
      const auto by_rank = canonical_order(customers);
      for (std::size_t i = 0; i < by_rank.size(); ++i)
        rank[static_cast<std::size_t>(by_rank[i])] = static_cast<std::int32_t>(i);
    }
    fill_stream(ctx, *ps, rank, ds.log);
    ds.log.set_present(stream);
    ctx.log().debug("{}: parsed in {:.2f} s, ordered into the log in {:.2f} s", file, read_s,
                    seconds(t1));
    if (!ps->report.stream.empty()) ds.reports.push_back(std::move(ps->report));
  }

  // Customers in canonical order of their external ids.
  std::vector<events::customer_t> final_id(customers.size());
  for (const std::int32_t code : canonical_order(customers))
    final_id[static_cast<std::size_t>(code)] = ds.log.intern(customers.value(code));
  release(customers);
  auto to_final = [&](std::vector<events::customer_t>& column) {
    for (auto& c : column) c = final_id[static_cast<std::size_t>(c)];
  };
  to_final(ds.log.transactions.customer);
  to_final(ds.log.sessions.customer);
  to_final(ds.log.emails.customer);
  to_final(ds.log.support.customer);
  to_final(ds.log.attributes.customer);
  to_final(ds.log.referrals.referrer);
  to_final(ds.log.referrals.referred);
  release(final_id);
  const auto t2 = Clock::now();
  KOHORT_RETURN_IF_ERROR(ds.log.finalize());
  ctx.log().debug("log finalized in {:.2f} s", seconds(t2));
  return {};
}

// A partition file's rows, parsed with the plan its stream was read with (the rows were
// accepted then, so none fails now). A partition without the file has no rows of the stream.
Result<ParsedStream> read_partition_stream(const Context& ctx, const Plan& plan,
                                           const std::string& path, const ReadOptions& options,
                                           LocalDict& customers) {
  ParsedStream ps;
  ps.plan = plan;
  Plan& p = ps.plan;
  p.file = path;
  p.on_error = OnError::fail;
  p.partitions = 0;
  ps.cols.resize(p.roles.size());
  ps.dicts.resize(p.roles.size());
  for (int c : p.map.unused) ps.report.ignored.push_back(p.header[static_cast<std::size_t>(c)]);
  std::error_code ec;
  if (!fs::exists(path, ec)) return ps;
  internal::StreamReader source;
  KOHORT_RETURN_IF_ERROR(source.open(path));
  std::string buffer;
  KOHORT_RETURN_IF_ERROR(source.read(buffer, std::max<std::size_t>(options.window_bytes, 1)));
  KOHORT_RETURN_IF_ERROR(read_records(ctx, p, source, buffer, 0, 1, options,
                                      [&](const Context& sink_ctx, std::vector<ChunkOut>& outs,
                                          double) {
                                        merge_window(sink_ctx, p, outs, ps, customers);
                                        return Status{};
                                      }));
  return ps;
}

}  // namespace

namespace internal {

// What load_partition() needs: each stream's plan (its configuration kept here, as plans
// point at it), the reading options, and the spill folder, removed with the state.
struct PartitionState {
  std::vector<StreamConfig> config;
  ReadOptions options;
  std::string dir;
  std::uint32_t partitions = 0;
  struct Part {
    Stream stream;
    Plan plan;
  };
  std::vector<Part> streams;

  PartitionState() = default;
  PartitionState(const PartitionState&) = delete;
  PartitionState& operator=(const PartitionState&) = delete;
  ~PartitionState() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

}  // namespace internal

Result<Dataset> load_dataset(const Context& ctx, const std::string& path,
                             const ReadOptions& options) {
  Dataset ds;
  std::vector<std::pair<Stream, std::string>> files;
  std::vector<internal::StreamConfig> config;
  KOHORT_RETURN_IF_ERROR(resolve_files(path, options, files, config, ds));
  if (!options.streams.empty())
    files.erase(std::remove_if(files.begin(), files.end(),
                               [&](const auto& f) {
                                 return std::find(options.streams.begin(), options.streams.end(), f.first) ==
                                        options.streams.end();
                               }),
                files.end());
  KOHORT_RETURN_IF_ERROR(build_log(
      ctx, files,
      [&](Stream stream, const std::string& file, LocalDict& customers) -> Result<ParsedStream> {
        ctx.progress().begin(fmt::format("reading {}", fs::path(file).filename().string()), 0);
        const internal::StreamConfig* cfg =
            config.empty() ? nullptr : &config[static_cast<std::size_t>(stream)];
        auto ps = read_stream(ctx, stream, file, cfg, options, customers, ds.notes);
        ctx.progress().end();
        if (ps.ok())
          ctx.log().info("{}: {} rows read, {} accepted, {} rejected", file, ps->report.rows_read,
                         ps->report.rows_accepted, ps->report.rows_rejected);
        return ps;
      },
      ds));
  return ds;
}

std::uint32_t partition_of_id(std::string_view customer, std::uint32_t partitions) {
  const std::uint64_t h = internal::hash_bytes(customer) * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::uint32_t>((h >> 32) % partitions);
}

std::uint64_t TextEstimate::memory() const {
  // Measured peaks of reading and featurizing, per byte of text: 1.5 for transactions alone
  // (their rows are the widest), 0.75 with every stream (sessions, emails and support rows
  // are narrower); a margin on both.
  return std::max(transactions / 5 * 8, total / 5 * 4);
}

std::uint32_t partitions_for(const TextEstimate& text, std::uint64_t memory_limit) {
  const double need = static_cast<double>(text.memory());
  const double limit = static_cast<double>(std::max<std::uint64_t>(memory_limit, 1));
  if (need <= limit) return 1;
  return static_cast<std::uint32_t>(std::min(4096.0, std::ceil(need / (limit / 3))));
}

Result<TextEstimate> estimate_text_bytes(const std::string& path, const ReadOptions& options) {
  Dataset notes;
  std::vector<std::pair<Stream, std::string>> files;
  std::vector<internal::StreamConfig> config;
  KOHORT_RETURN_IF_ERROR(resolve_files(path, options, files, config, notes));
  TextEstimate out;
  for (const auto& [stream, file] : files) {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) continue;  // a database source
    // Delimited event text compresses about 5:1 with gzip or zstd at their fast levels.
    const std::uint64_t text = ends_with(file, ".gz") || ends_with(file, ".zst") ? 5 * size : size;
    out.total += text;
    if (stream == Stream::transactions) out.transactions += text;
  }
  return out;
}

Result<std::vector<std::string>> input_files(const std::string& path, const ReadOptions& options) {
  Dataset notes;
  std::vector<std::pair<Stream, std::string>> files;
  std::vector<internal::StreamConfig> config;
  KOHORT_RETURN_IF_ERROR(resolve_files(path, options, files, config, notes));
  std::vector<std::string> out;
  for (const auto& [stream, file] : files)
    if (!file.starts_with("postgresql:")) out.push_back(file);
  std::error_code ec;
  const fs::path toml = options.config.empty() ? fs::path(path) / "kohort.toml" : fs::path(options.config);
  if (fs::is_directory(path, ec) && fs::exists(toml, ec)) out.push_back(toml.string());
  return out;
}

Result<PartitionedDataset> partition_dataset(const Context& ctx, const std::string& path,
                                             const ReadOptions& options, std::uint32_t partitions,
                                             const std::string& spill_dir) {
  if (partitions == 0)
    return Status::invalid_argument("partitions", "the number of partitions must be at least 1");
  Dataset names;  // collects the notes of resolving the files
  std::vector<std::pair<Stream, std::string>> files;
  auto state = std::make_shared<internal::PartitionState>();
  KOHORT_RETURN_IF_ERROR(resolve_files(path, options, files, state->config, names));
  state->options = options;
  state->partitions = partitions;
  {
    std::error_code ec;
    fs::create_directories(spill_dir, ec);
    std::string tmpl = (fs::path(spill_dir) / "kohort-spill-XXXXXX").string();
    if (ec || ::mkdtemp(tmpl.data()) == nullptr)
      return Status::io_error(spill_dir, "cannot create a spill folder in it",
                              "pass a writable folder with free space as --spill-dir");
    state->dir = tmpl;
  }
  PartitionedDataset out;
  out.partitions = partitions;
  out.notes = std::move(names.notes);
  Router router(state->dir, partitions, std::max<std::size_t>(options.spill_frame_bytes, 1));
  for (const auto& [stream, file] : files) {
    if (ctx.cancelled()) return Status::cancelled();
    const internal::StreamConfig* cfg =
        state->config.empty() ? nullptr : &state->config[static_cast<std::size_t>(stream)];
    if (stream == Stream::referrals) {
      // Read whole: PageRank needs the graph across partitions.
      auto refs = std::make_shared<Dataset>();
      KOHORT_RETURN_IF_ERROR(build_log(
          ctx, {{stream, file}},
          [&](Stream s, const std::string& f, LocalDict& customers) {
            return read_stream(ctx, s, f, cfg, options, customers, out.notes);
          },
          *refs));
      for (const auto& r : refs->reports)
        ctx.log().info("{}: {} rows read, {} accepted, {} rejected", file, r.rows_read,
                       r.rows_accepted, r.rows_rejected);
      out.reports.insert(out.reports.end(), refs->reports.begin(), refs->reports.end());
      out.referrals = std::move(refs);
      continue;
    }
    ctx.progress().begin(fmt::format("partitioning {}", fs::path(file).filename().string()), 0);
    LocalDict unused;
    auto ps = read_stream(ctx, stream, file, cfg, options, unused, out.notes, &router,
                          &out.last_event_time);
    ctx.progress().end();
    if (!ps.ok()) return ps.status();
    ctx.log().info("{}: {} rows read, {} accepted, {} rejected", file, ps->report.rows_read,
                   ps->report.rows_accepted, ps->report.rows_rejected);
    if (stream == Stream::transactions) {
      out.transaction_values = std::move(ps->value_counts);
      for (std::size_t r = 0; r < ps->plan.roles.size(); ++r)
        if (ps->plan.map.column[r] >= 0 ||
            (ps->plan.roles[r].name == "quantity" && ps->plan.map.amount_from_price))
          out.transaction_roles.insert(std::string(ps->plan.roles[r].name));
    }
    out.reports.push_back(std::move(ps->report));
    state->streams.push_back({stream, std::move(ps->plan)});
  }
  out.spill_text_bytes = router.text_bytes();
  out.spill_file_bytes = router.file_bytes();
  out.state = std::move(state);
  return out;
}

Result<Dataset> load_partition(const Context& ctx, const PartitionedDataset& data,
                               std::uint32_t k) {
  if (data.state == nullptr || k >= data.partitions)
    return Status::invalid_argument("partition", fmt::format("no partition {}", k));
  const internal::PartitionState& st = *data.state;
  Router paths(st.dir, st.partitions, internal::SpillWriter::kFrameBytes);  // for its file names only
  std::vector<std::pair<Stream, std::string>> files;
  for (const auto& part : st.streams)
    files.emplace_back(part.stream, paths.path(k, part.stream, part.plan.jsonl));
  Dataset ds;
  KOHORT_RETURN_IF_ERROR(build_log(
      ctx, files,
      [&](Stream stream, const std::string& file, LocalDict& customers) -> Result<ParsedStream> {
        for (const auto& part : st.streams)
          if (part.stream == stream)
            return read_partition_stream(ctx, part.plan, file, st.options, customers);
        return Status::internal("partition", "unknown stream");
      },
      ds));
  return ds;
}

}  // namespace kohort::io
