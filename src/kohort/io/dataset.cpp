#include "kohort/io/dataset.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/atomic_file.h"
#include "kohort/core/parallel.h"
#include "kohort/io/internal/columns.h"
#include "kohort/io/internal/compressed.h"
#include "kohort/io/internal/config.h"
#include "kohort/io/internal/convert.h"
#include "kohort/io/internal/csv_scan.h"
#include "kohort/io/internal/local_dict.h"
#include "kohort/io/internal/schema.h"
#include "kohort/io/internal/pg_source.h"
#include "kohort/io/internal/read_plan.h"
#include "kohort/io/internal/read_stream.h"
#include "kohort/io/internal/router.h"
#include "kohort/io/internal/spill.h"
#include "kohort/io/internal/sqlite_source.h"
#include "kohort/io/internal/timestamp.h"
#include "kohort/io/internal/values.h"
#include "kohort/io/internal/windows.h"

namespace kohort::io {

namespace fs = std::filesystem;
using events::Stream;
using internal::ChunkOut;
using internal::ColumnData;
using internal::JsonRow;
using internal::kByte;
using internal::kDouble;
using internal::kFloat;
using internal::Kind;
using internal::LocalDict;
using internal::ParsedStream;
using internal::Plan;
using internal::RoleSpec;
using internal::Router;
using internal::TimeFormat;
using internal::Totals;
using internal::ends_with;
using internal::WindowSink;
using internal::init_chunk;
using internal::json_fields;
using internal::parse_csv_chunk;
using internal::parse_jsonl_chunk;
using internal::where;
using internal::is_na;
using internal::join;
using internal::merge_window;
using internal::parse_email;
using internal::parse_flag;
using internal::parse_number;
using internal::parse_sentiment;
using internal::read_header;
using internal::read_records;
using internal::read_stream;
using internal::reserve_columns;
using internal::tally;
using internal::trim;

namespace {
// The canonical order given whether each id is all digits (is_digits, computed once per id
// where many comparisons follow).
bool canonical_less(bool da, std::string_view a, bool db, std::string_view b) {
  if (da != db) return da;
  if (da && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}
bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

bool canonical_id_less(std::string_view a, std::string_view b) {
  return canonical_less(is_digits(a), a, is_digits(b), b);
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


// ---------------------------------------------------------------------------------------
// Building the log in canonical order.

// Frees a column once it has been gathered, so that a stream's provisional and final columns
// are not all held at once.
template <typename V>
void release(V& v) {
  v = V();
}

// key1/key2 are provisional customer codes, compared by their canonical rank. The order is
// (rank of key1, rank of key2, time, row hash, row): a counting sort by key1's rank — rows
// arrive grouped by customer in most files, and customers have few rows each — then a sort
// of each customer's rows, in parallel. Memory: the permutation and one count per customer.
std::vector<index_t> order_rows(const Context& ctx, index_t n, const std::vector<std::int32_t>& rank,
                                const std::vector<std::int32_t>& key1,
                                const std::vector<std::int32_t>* key2,
                                const std::vector<Seconds>* time,
                                std::vector<std::uint64_t>& hash) {
  const std::size_t customers = rank.size();
  std::vector<index_t> start(customers + 1, 0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
    ++start[static_cast<std::size_t>(rank[static_cast<std::size_t>(key1[i])]) + 1];
  for (std::size_t c = 1; c <= customers; ++c) start[c] += start[c - 1];
  std::vector<index_t> perm(static_cast<std::size_t>(n));
  {
    std::vector<index_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      perm[static_cast<std::size_t>(fill[static_cast<std::size_t>(rank[static_cast<std::size_t>(key1[i])])]++)] =
          static_cast<index_t>(i);
  }
  const auto less = [&](index_t a, index_t b) {
    const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
    if (key2 != nullptr) {
      const auto ra = rank[static_cast<std::size_t>((*key2)[ua])];
      const auto rb = rank[static_cast<std::size_t>((*key2)[ub])];
      if (ra != rb) return ra < rb;
    }
    if (time != nullptr && (*time)[ua] != (*time)[ub]) return (*time)[ua] < (*time)[ub];
    if (hash[ua] != hash[ub]) return hash[ua] < hash[ub];
    return a < b;
  };
  // Each block of customers sorts its own rows: the result does not depend on the threads.
  parallel_for_blocks(ctx, static_cast<index_t>(customers), 4096,
                      [&](index_t, index_t begin, index_t end) {
                        for (index_t c = begin; c < end; ++c) {
                          auto first = perm.begin() + start[static_cast<std::size_t>(c)];
                          auto last = perm.begin() + start[static_cast<std::size_t>(c) + 1];
                          if (last - first > 1 && !std::is_sorted(first, last, less))
                            std::sort(first, last, less);
                        }
                      });
  release(hash);
  return perm;
}

template <typename T, typename U>
std::vector<T> gather(const std::vector<U>& src, const std::vector<index_t>& perm) {
  std::vector<T> out;
  if (src.empty()) return out;
  out.resize(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    out[i] = static_cast<T>(src[static_cast<std::size_t>(perm[i])]);
  return out;
}

std::vector<events::code_t> recode(const std::vector<std::int32_t>& prov, const LocalDict& pd, events::Dictionary& target,
                                   const std::vector<index_t>& perm) {
  std::vector<events::code_t> out;
  if (prov.empty()) return out;
  std::vector<events::code_t> m(pd.size(), -2);
  out.resize(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const auto c = prov[static_cast<std::size_t>(perm[i])];
    if (c < 0) {
      out[i] = events::kMissingCode;
      continue;
    }
    auto& t = m[static_cast<std::size_t>(c)];
    if (t == -2) t = target.intern(pd.value(c));
    out[i] = t;
  }
  return out;
}

// Order codes from order id keys, in the ordered stream: within each customer's rows
// [start[j], start[j+1]) equal keys get one code, codes counting up across the stream in order
// of first appearance — the codes a dictionary of the ids would give when no two customers
// share an order id. Only a customer's own rows are ever compared (lines grouped into orders),
// so ids are told apart by their 64-bit hash: two ids of one customer could only be merged by
// a hash collision (about m²/2⁶⁵ for m orders).
std::vector<events::code_t> order_codes(const std::vector<std::uint64_t>& keys,
                                        const std::vector<index_t>& start,
                                        const std::vector<index_t>& perm) {
  std::vector<events::code_t> out;
  if (keys.empty()) return out;
  out.resize(perm.size());
  struct Slot {
    std::uint64_t key;
    events::code_t code;
  };
  std::vector<Slot> table;
  events::code_t next = 0;
  for (std::size_t j = 0; j + 1 < start.size(); ++j) {
    const auto b = static_cast<std::size_t>(start[j]), e = static_cast<std::size_t>(start[j + 1]);
    std::size_t cap = 16;
    while (cap < 2 * (e - b)) cap *= 2;
    table.assign(cap, Slot{0, 0});
    for (std::size_t i = b; i < e; ++i) {
      const std::uint64_t k = keys[static_cast<std::size_t>(perm[i])];
      if (k == 0) {
        out[i] = events::kMissingCode;
        continue;
      }
      std::size_t h = static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ULL) >> 20) & (cap - 1);
      while (table[h].key != 0 && table[h].key != k) h = (h + 1) & (cap - 1);
      if (table[h].key == 0) table[h] = {k, next++};
      out[i] = table[h].code;
    }
  }
  return out;
}

// Customer codes in the canonical order of their external ids (canonical_id_less).
std::vector<std::int32_t> canonical_order(const LocalDict& customers) {
  struct IdKey {
    bool digits;
    std::string_view id;
    std::int32_t code;
  };
  std::vector<IdKey> order(customers.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::string_view id = customers.value(static_cast<std::int32_t>(i));
    order[i] = {is_digits(id), id, static_cast<std::int32_t>(i)};
  }
  std::sort(order.begin(), order.end(), [](const IdKey& a, const IdKey& b) {
    return canonical_less(a.digits, a.id, b.digits, b.id);
  });
  std::vector<std::int32_t> codes(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) codes[i] = order[i].code;
  return codes;
}

// Orders a stream's rows and moves them into the log. Customer columns keep provisional codes
// (load_dataset maps them to final ids when every stream is read); rows are ordered by the
// customers' canonical rank among those seen so far, which orders them as the final ids will.
void fill_stream(const Context& ctx, ParsedStream& ps, const std::vector<std::int32_t>& rank,
                 events::EventLog& log) {
  // Columns are independent: fill them on ctx.threads() threads.
  std::vector<std::function<void()>> tasks;
  auto run = [&] {
    parallel_for_blocks(ctx, static_cast<index_t>(tasks.size()), 1,
                        [&](index_t b, index_t, index_t) { tasks[static_cast<std::size_t>(b)](); });
  };
  const Plan& p = ps.plan;
  const Stream s = p.stream;
  auto slot = [&](std::string_view name) {
    return static_cast<std::size_t>(internal::role_slot(s, name));
  };
  auto mapped = [&](std::string_view name) { return p.map.column[slot(name)] >= 0; };
  auto ids = [&](std::string_view name) { return std::move(ps.cols[slot(name)].code); };
  const auto n = static_cast<index_t>(ps.hash.size());
  auto num = [&](std::string_view name) -> std::vector<double>& { return ps.cols[slot(name)].num; };
  auto f32 = [&](std::string_view name) -> std::vector<float>& { return ps.cols[slot(name)].f32; };
  auto u8 = [&](std::string_view name) -> std::vector<std::uint8_t>& { return ps.cols[slot(name)].u8; };
  auto code = [&](std::string_view name) -> std::vector<std::int32_t>& {
    return ps.cols[slot(name)].code;
  };
  auto dict = [&](std::string_view name) -> const LocalDict& { return ps.dicts[slot(name)]; };
  // Recodes a column, then frees its provisional copy.
  auto recode_code = [&](std::string_view name, events::Dictionary& target,
                         const std::vector<index_t>& perm) {
    auto out = recode(code(name), dict(name), target, perm);
    release(code(name));
    return out;
  };

  if (s == Stream::referrals) {
    auto a = ids("referrer");
    auto b = ids("referred");
    const auto& t = ps.cols[slot("time")].time;
    const auto perm = order_rows(ctx, n, rank, a, &b, mapped("time") ? &t : nullptr, ps.hash);
    log.referrals.referrer = gather<events::customer_t>(a, perm);
    log.referrals.referred = gather<events::customer_t>(b, perm);
    log.referrals.time = gather<Seconds>(t, perm);
    return;
  }
  auto cust = ids("customer");
  if (s == Stream::customers) {
    const auto perm = order_rows(ctx, n, rank, cust, nullptr, nullptr, ps.hash);
    auto& a = log.attributes;
    a.customer = gather<events::customer_t>(cust, perm);
    a.signup = gather<Seconds>(ps.cols[slot("signup_date")].time, perm);
    a.region = recode(code("region"), dict("region"), a.regions, perm);
    a.age = gather<float>(f32("age"), perm);
    a.loyalty_tier = recode(code("loyalty_tier"), dict("loyalty_tier"), a.tiers, perm);
    for (const auto& name : ps.report.ignored) a.protected_columns.push_back(name);
    return;
  }
  auto& time = ps.cols[slot("time")].time;
  const auto perm = order_rows(ctx, n, rank, cust, nullptr, &time, ps.hash);
  // Where each customer's rows start in the ordered stream (for the per-customer order codes).
  std::vector<index_t> customer_start;
  if (s == Stream::transactions && mapped("order_id")) {
    for (std::size_t i = 0; i < perm.size(); ++i)
      if (i == 0 || cust[static_cast<std::size_t>(perm[i])] != cust[static_cast<std::size_t>(perm[i - 1])])
        customer_start.push_back(static_cast<index_t>(i));
    customer_start.push_back(static_cast<index_t>(perm.size()));
  }
  // Each task frees the provisional columns it alone reads once it has gathered them.
  switch (s) {
    case Stream::transactions: {
      auto& t = log.transactions;
      const bool derived = p.map.amount_from_price;
      tasks = {
          [&] {
            t.customer = gather<events::customer_t>(cust, perm);
            release(cust);
          },
          [&] {
            t.time = gather<Seconds>(time, perm);
            release(time);
          },
          [&] {
            if (!derived) {
              t.amount = gather<double>(num("amount"), perm);
              release(num("amount"));
              return;
            }
            const auto& price = num("unit_price");
            const auto& qty = num("quantity");
            t.amount.resize(perm.size());
            for (std::size_t i = 0; i < perm.size(); ++i) {
              const auto k = static_cast<std::size_t>(perm[i]);
              t.amount[i] = price[k] * qty[k];
            }
            release(num("unit_price"));
          },
          [&] {
            t.order = order_codes(ps.cols[slot("order_id")].key, customer_start, perm);
            release(ps.cols[slot("order_id")].key);
          },
          [&] {
            if (!derived) {
              t.quantity = gather<float>(f32("quantity"), perm);
              release(f32("quantity"));
            } else {
              t.quantity = gather<float>(num("quantity"), perm);  // the amount task reads it too
            }
          },
          [&] { t.product = recode_code("product_id", t.products, perm); },
          [&] { t.category = recode_code("category", t.categories, perm); },
          [&] { t.channel = recode_code("channel", t.channels, perm); },
          [&] { t.payment = recode_code("payment_method", t.payments, perm); },
          [&] {
            t.discount = gather<float>(f32("discount"), perm);
            release(f32("discount"));
          },
          [&] {
            t.returned = gather<std::uint8_t>(u8("returned"), perm);
            release(u8("returned"));
          },
      };
      run();
      break;
    }
    case Stream::sessions: {
      auto& t = log.sessions;
      tasks = {
          [&] {
            t.customer = gather<events::customer_t>(cust, perm);
            release(cust);
          },
          [&] {
            t.time = gather<Seconds>(time, perm);
            release(time);
          },
          [&] {
            t.duration_s = gather<float>(f32("duration_s"), perm);
            release(f32("duration_s"));
          },
          [&] {
            t.pages = gather<float>(f32("pages"), perm);
            release(f32("pages"));
          },
          [&] { t.category = recode_code("category", t.categories, perm); },
          [&] {
            t.search = gather<std::uint8_t>(u8("search"), perm);
            release(u8("search"));
          },
          [&] { t.device = recode_code("device", t.devices, perm); },
      };
      run();
      break;
    }
    case Stream::emails: {
      auto& t = log.emails;
      t.customer = gather<events::customer_t>(cust, perm);
      release(cust);
      t.time = gather<Seconds>(time, perm);
      release(time);
      const auto& ev = u8("event");
      t.event.resize(perm.size());
      for (std::size_t i = 0; i < perm.size(); ++i)
        t.event[i] = static_cast<events::EmailEvent>(ev[static_cast<std::size_t>(perm[i])]);
      release(u8("event"));
      t.campaign = recode_code("campaign", t.campaigns, perm);
      break;
    }
    case Stream::support: {
      auto& t = log.support;
      t.customer = gather<events::customer_t>(cust, perm);
      release(cust);
      t.time = gather<Seconds>(time, perm);
      release(time);
      t.topic = recode_code("topic", t.topics, perm);
      t.sentiment = gather<float>(f32("sentiment"), perm);
      release(f32("sentiment"));
      break;
    }
    default: break;
  }
}

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
    const fs::path toml_path = options.config.empty() ? fs::path(path) / "kohort.toml" : fs::path(options.config);
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
          files.emplace_back(s, (fs::path(path) / cfg.sqlite).string());
          configured.push_back(fs::path(cfg.sqlite).filename().string());
          continue;
        }
        if (!cfg.postgresql.empty()) {
          files.emplace_back(s, "postgresql:" + (cfg.table.empty() ? std::string("query") : cfg.table));
          continue;
        }
        if (cfg.file.empty()) continue;
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
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
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
      roles.erase(std::remove_if(roles.begin(), roles.end(),
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
  Router router(state->dir, partitions);
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
  Router paths(st.dir, st.partitions);
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
