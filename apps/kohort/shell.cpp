#include "shell.h"

#include <malloc.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/core/blas.h"
#include "kohort/core/paths.h"
#include "kohort/core/secrets.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/features/compute.h"
#include "kohort/features/partitioned.h"
#include "kohort/model/fit.h"
#include "kohort/model/forget.h"
#include "kohort/model/value.h"
#include "kohort/store/store.h"

namespace kohort::app {

namespace {

// A one-line progress bar on stderr, drawn only when stderr is a terminal and a phase has
// lasted more than a second (so short runs stay quiet).
class TerminalProgress final : public Progress {
 public:
  void begin(std::string_view phase, std::int64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = std::string(phase);
    total_ = total;
    done_ = 0;
    start_ = std::chrono::steady_clock::now();
    drawn_ = false;
  }
  void step(std::int64_t done) override {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = done;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    draw();
  }
  void end() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  void draw() {
    drawn_ = true;
    if (total_ > 0) {
      const double f = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
      const int w = 30, filled = static_cast<int>(f * w);
      std::fprintf(stderr, "\r\033[K%s [%s%s] %3.0f%%", phase_.c_str(),
                   std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(w - filled), '.').c_str(), f * 100);
    } else {
      std::fprintf(stderr, "\r\033[K%s %lld", phase_.c_str(), static_cast<long long>(done_));
    }
    std::fflush(stderr);
  }
  std::mutex mu_;
  std::string phase_;
  std::int64_t total_ = 0, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
  bool drawn_ = false;
};

// Progress for a log file or a scheduler (stderr is not a terminal): no bar, but a line when a
// phase that lasted a second or more ends, with its time, and a line every 15 seconds while a
// long one runs, so that the log is never silent for long.
class LineProgress final : public Progress {
 public:
  void begin(std::string_view phase, std::int64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = std::string(phase);
    total_ = total;
    start_ = last_ = std::chrono::steady_clock::now();
  }
  void step(std::int64_t done) override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(15)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    if (total_ > 0)
      std::fprintf(stderr, "%s: %.0f%% after %.0f s\n", printable(phase_).c_str(),
                   100.0 * std::min(1.0, static_cast<double>(done) / static_cast<double>(total_)), s);
    else
      std::fprintf(stderr, "%s: %lld after %.0f s\n", printable(phase_).c_str(), static_cast<long long>(done), s);
    std::fflush(stderr);
  }
  void end() override {
    std::lock_guard<std::mutex> lock(mu_);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (s >= 1.0 && !phase_.empty()) {
      std::fprintf(stderr, "%s: done in %.1f s\n", printable(phase_).c_str(), s);
      std::fflush(stderr);
    }
    phase_.clear();
  }

 private:
  std::mutex mu_;
  std::string phase_;
  std::int64_t total_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace

Context Shell::context() {
  int t = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  if (t < 1) t = 1;
  LogLevel level = LogLevel::info;
  if (!parse_log_level(log_level, level)) level = LogLevel::info;
  if (quiet) level = LogLevel::warn;
  logger = std::make_unique<Logger>(&std::cerr, level);
  if (!quiet && level <= LogLevel::info) {
    if (isatty(STDERR_FILENO)) progress = std::make_unique<TerminalProgress>();
    else progress = std::make_unique<LineProgress>();
  }
  return Context(t, seed).with_logger(logger.get()).with_progress(progress.get()).with_cancel(
      &cancel);
}

int Shell::fail(const Status& status) const {
  if (json) {
    nlohmann::json j = {{"error",
                         {{"code", code_name(status.code())},
                          {"where", status.where()},
                          {"what", status.what()},
                          {"hint", status.hint()}}}};
    std::cout << json_text(j, 2) << std::endl;
  }
  std::cerr << status.message() << std::endl;
  return 1;
}

void Shell::print_json(const nlohmann::json& j) const { std::cout << json_text(j, 2) << std::endl; }

void add_common_flags(CLI::App* cmd, Shell& shell) {
  cmd->add_option("--threads", shell.threads,
                  "worker threads (default: all cores); results do not depend on it\n"
                  "example: --threads 2")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--seed", shell.seed,
                  "random seed, a whole number from 0 to 18446744073709551615; the same seed gives the same "
                  "result\nexample: --seed 7")
      ->check(CLI::Validator(
          [](const std::string& text) {
            return !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : fmt::format("'{}' is not a whole number from 0 to 18446744073709551615", text);
          },
          "SEED"));
  cmd->add_flag("--json", shell.json,
                "print machine-readable results on stdout (logs stay on stderr)");
  cmd->add_option("--log-level", shell.log_level, "debug|info|warn|error|off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
  cmd->add_flag("-q,--quiet", shell.quiet, "only warnings and errors on stderr");
}

namespace {

// Levenshtein distance, for spelling suggestions (short words only).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& n : names) {
    const std::size_t d = n.rfind(word, 0) == 0 && word.size() >= 3 ? 1 : edit_distance(word, n);
    if (d < best_d) best_d = d, best = n;
  }
  return best;
}

}  // namespace

void suggest_spelling(const CLI::App& app) {
  const auto used = app.get_subcommands();
  const CLI::App* cmd = used.empty() ? &app : used.front();
  std::vector<std::string> names;
  if (used.empty()) {
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  } else {
    for (const auto* opt : cmd->get_options())
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  }
  for (const auto& word : cmd->remaining()) {
    const bool is_option = word.rfind("--", 0) == 0;
    if (used.empty() == is_option) continue;  // commands at the top, options within a command
    const std::string key = is_option ? word.substr(0, word.find('=')) : word;
    const std::string best = closest(key, names);
    if (!best.empty() && best != key) std::cerr << fmt::format("did you mean {}? (not {})\n", best, printable(key, 40));
  }
}

nlohmann::json options_record(const CLI::App& cmd) {
  nlohmann::json j = nlohmann::json::object();
  for (const CLI::Option* opt : cmd.get_options()) {
    const std::string name = opt->get_lnames().empty() ? opt->get_name() : opt->get_lnames().front();
    if (name == "help" || name.empty()) continue;
    if (opt->get_expected_max() == 0) {  // a flag
      j[name] = opt->count() > 0;
      continue;
    }
    std::string value = opt->get_default_str();
    if (opt->count() > 0) {
      value.clear();
      for (const auto& r : opt->results()) value += (value.empty() ? "" : " ") + r;
    }
    j[name] = value.find("://") == std::string::npos ? value : store::redact_location(value);
  }
  return j;
}

Status refuse_overwrite(const std::string& data, const io::ReadOptions& read, std::vector<std::string> also,
                        std::initializer_list<std::pair<const char*, std::string>> outputs) {
  if (!data.empty()) {
    KOHORT_ASSIGN_OR_RETURN(const auto files, io::input_files(data, read));
    also.insert(also.end(), files.begin(), files.end());
  }
  for (const auto& [flag, path] : outputs) KOHORT_RETURN_IF_ERROR(check_not_an_input(path, flag, also));
  return {};
}

void NowOption::add_to(CLI::App* cmd) {
  cmd->add_option("--now", text,
                  "the instant treated as now: rows dated after it (or before 1990) are left out, "
                  "by every command alike (default: the current time)\nexample: --now 2024-12-31")
      ->type_name("DATE")
      ->check(CLI::Validator(
          [](const std::string& t) {
            return parse_iso8601(t) ? std::string()
                                    : fmt::format("'{}' is not an ISO 8601 date or date-time (2024-12-31, "
                                                  "2024-12-31T18:00:00Z)",
                                                  t);
          },
          "DATE"));
}

Seconds NowOption::resolve() const {
  if (const auto t = parse_iso8601(text)) return *t;
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_utc() {
  return format_datetime(static_cast<Seconds>(std::chrono::duration_cast<std::chrono::seconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count()));
}

bool parse_size(std::string_view text, std::uint64_t& bytes) {
  if (text.empty()) return false;
  double mult = 1;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  std::string_view number = text;
  if (last == 'B' && text.size() > 1 && std::isalpha(static_cast<unsigned char>(text[text.size() - 2])))
    number.remove_suffix(1);  // "8GB"
  const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(number.back())));
  switch (unit) {
    case 'K': mult = 1024.0; break;
    case 'M': mult = 1024.0 * 1024; break;
    case 'G': mult = 1024.0 * 1024 * 1024; break;
    case 'T': mult = 1024.0 * 1024 * 1024 * 1024; break;
    default: break;
  }
  if (mult > 1) number.remove_suffix(1);
  if (number.empty()) return false;
  std::string s(number);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !(v > 0) || v * mult > 1.8e19) return false;
  bytes = static_cast<std::uint64_t>(v * mult);
  return bytes > 0;
}

std::string format_size(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.0f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.0f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return std::uint64_t{8} << 30;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size);
}

std::string temp_folder() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::string(t) : std::string("/tmp");
}

void log_load(const Context& ctx, const std::vector<io::StreamReport>& reports,
              const std::vector<std::string>& notes) {
  for (const auto& note : notes) ctx.log().info("{}", note);
  for (const auto& r : reports)
    if (r.rows_rejected > 0)
      ctx.log().warn("{}: {} row(s) rejected{}", r.file, r.rows_rejected,
                     r.rejects_file.empty() ? "" : " (written to " + r.rejects_file + ")");
}

void SplitOptions::add_to(CLI::App* cmd) {
  cmd->add_option("--memory-limit", memory_limit,
                  "memory to stay within (default 80% of the machine's): larger data is split by "
                  "customer into partitions on disk and read one partition at a time, with the "
                  "same result\nexample: --memory-limit 8G")
      ->type_name("SIZE")
      ->check(CLI::Validator(
          [](const std::string& text) {
            std::uint64_t bytes = 0;
            if (!parse_size(text, bytes))
              return fmt::format("'{}' is not a size: pass a size such as 8G, 512M or 2000000000", text);
            return bytes >= kMinMemoryLimit
                       ? std::string()
                       : fmt::format("'{}' is below the minimum 64M: kohort itself and one window of text "
                                     "need that much",
                                     text);
          },
          "SIZE"));
  cmd->add_option("--spill-dir", spill_dir,
                  "folder for the partition files when the data is split (default $TMPDIR or "
                  "/tmp; needs about a fifth of the data's uncompressed size)\nexample: "
                  "--spill-dir /scratch")
      ->type_name("DIR");
  cmd->add_option("--partitions", partitions,
                  "split into exactly this many partitions (default: from --memory-limit; 1 reads "
                  "the data whole)\nexample: --partitions 16")
      ->check(CLI::Range(1u, 4096u));
}

Result<std::uint32_t> SplitOptions::plan(const std::string& data, io::ReadOptions& read,
                                         std::uint64_t& limit) const {
  limit = physical_memory() / 10 * 8;
  if (!memory_limit.empty() && !parse_size(memory_limit, limit))  // the flag's check rejects this
    return Status::invalid_argument("--memory-limit", fmt::format("'{}' is not a size", memory_limit),
                                    "pass a size such as 8G, 512M or 2000000000");
  std::uint32_t n = partitions;
  if (n == 0) {
    KOHORT_ASSIGN_OR_RETURN(const auto text, io::estimate_text_bytes(data, read));
    n = io::partitions_for(text, limit);
  }
  // What reading holds at a time scales with the limit: a few windows of text and their parsed
  // rows, one record, and each partition's write buffer.
  const auto clamp = [](std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
    return static_cast<std::size_t>(std::clamp(v, lo, hi));
  };
  constexpr std::uint64_t MiB = 1 << 20;
  read.window_bytes = clamp(limit / 16, MiB, 64 * MiB);
  read.max_record_bytes = clamp(limit / 8, MiB, 64 * MiB);
  read.spill_frame_bytes = clamp(limit / (8 * std::uint64_t{n}), 64 << 10, 4 * MiB);
  if (!memory_limit.empty()) {
    // The allocator keeps freed memory for reuse (main.cpp), per thread arena: under a given
    // limit it returns it sooner, and below a few GiB the threads share fewer arenas.
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<std::uint64_t>(limit / 16, 256 * MiB)));
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(std::min<std::uint64_t>(limit / 64, 32 * MiB)));
    if (limit < 4096 * MiB) mallopt(M_ARENA_MAX, limit < 1024 * MiB ? 1 : 2);
  }
  return n;
}

Result<io::PartitionedDataset> SplitOptions::split(const Context& ctx, const std::string& data,
                                                   const io::ReadOptions& read, std::uint32_t n,
                                                   std::uint64_t limit) const {
  const std::string spill = spill_dir.empty() ? temp_folder() : spill_dir;
  ctx.log().info("splitting the data into {} partitions by customer under {} (memory limit {})", n,
                 spill, format_size(limit));
  KOHORT_ASSIGN_OR_RETURN(auto parts, io::partition_dataset(ctx, data, read, n, spill));
  ctx.log().info("partition files: {} of text in {} compressed", format_size(parts.spill_text_bytes),
                 format_size(parts.spill_file_bytes));
  return parts;
}

Result<SplitOptions::Rows> SplitOptions::feature_rows(const Context& ctx, const std::string& data,
                                                     io::ReadOptions& read, const features::FeatureSpec& spec,
                                                     const std::function<void(const events::EventLog&)>& on_log,
                                                     const model::SegmentModel* value_with) const {
  std::uint64_t limit = 0;
  KOHORT_ASSIGN_OR_RETURN(const std::uint32_t n, plan(data, read, limit));
  if (n > 1) {
    Rows rows;
    KOHORT_ASSIGN_OR_RETURN(auto parts, split(ctx, data, read, n, limit));
    log_load(ctx, parts.reports, parts.notes);
    std::vector<index_t> prospects(n, 0);
    std::vector<std::vector<store::CustomerValue>> values(n);
    const features::PartitionVisitor count = [&](std::uint32_t k, const io::Dataset& ds,
                                                 const features::FeatureTable& t) -> Status {
      prospects[k] = model::count_prospects(ds.log, t);
      if (on_log) on_log(ds.log);
      if (value_with) {
        KOHORT_ASSIGN_OR_RETURN(values[k], model::value_rows(ctx, *value_with, ds.log, t));
      }
      return {};
    };
    KOHORT_ASSIGN_OR_RETURN(auto merged, features::compute_features_partitioned(ctx, parts, spec, count));
    rows.table = std::move(merged.table);
    rows.ids = std::move(merged.ids);
    for (index_t p : prospects) rows.prospects += p;
    if (value_with) {
      rows.values.reserve(merged.origin.size());
      for (const auto& [k, r] : merged.origin) rows.values.push_back(values[k][r]);
    }
    return rows;
  }
  KOHORT_ASSIGN_OR_RETURN(auto loaded, io::load_dataset(ctx, data, read));
  log_load(ctx, loaded.reports, loaded.notes);
  if (on_log) on_log(loaded.log);
  return assign::day_rows(ctx, loaded.log, spec, value_with);
}

Result<std::unique_ptr<store::Store>> open_existing_store(const std::string& location) {
  if (!store::store_files(location).empty() && !std::filesystem::exists(location))
    return Status::not_found(printable(location, 0), "no such store",
                             "pass the --store that kohort fit published to (default kohort.db)");
  return store::Store::open(location);
}

int run_kohort(const std::vector<std::string>& args) {
  std::vector<std::string> words = {"kohort"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Status leave_out_forgotten(const Context& ctx, store::Store& store, SplitOptions::Rows& rows) {
  KOHORT_ASSIGN_OR_RETURN(const auto forgotten, model::Forgotten::read(store));
  const std::vector<bool> keep = model::rows_to_keep(forgotten, rows.table, rows.ids);
  if (!rows.values.empty()) {
    std::size_t w = 0;
    for (std::size_t r = 0; r < rows.values.size(); ++r)
      if (keep[r]) rows.values[w++] = rows.values[r];
    rows.values.resize(w);
  }
  if (const index_t n = model::drop_rows(rows.table, rows.ids, keep); n > 0)
    ctx.log().info("left out {} customers erased by kohort forget and not seen since", n);
  return {};
}

void DayArgs::add_to(CLI::App* cmd, const std::string& day) {
  cmd->add_option("data", data, "the dataset folder or transactions file, as for kohort fit\nexample: data/")->required();
  cmd->add_option("--as-of", as_of, day + "\nexample: --as-of 2024-07-02")->required();
  cmd->add_option("--timezone", timezone,
                  "the IANA time zone whose midnight starts the day of --as-of\nexample: --timezone Europe/Berlin");
  cmd->add_option("--store", store, "the store with the published model: a SQLite file or a postgresql:// URL "
                                    "\nexample: --store kohort.db");
  cmd->add_option("--model-version", model_version,
                  "use this model version (default: the pinned one, else the latest)\nexample: --model-version 3")
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--config", config, "a kohort.toml to use instead of the dataset folder's own\nexample: --config shop.toml");
  cmd->add_option("--on-error", on_error, "a malformed row: fail (default), skip or quarantine\nexample: --on-error skip");
  split.add_to(cmd);
  now.add_to(cmd);
}

Result<std::pair<Seconds, io::ReadOptions>> DayArgs::resolve() const {
  const auto day = parse_iso8601(as_of);
  if (!day)
    return Status::invalid_argument("--as-of", fmt::format("'{}' is not a date", as_of),
                                    "pass a date as YYYY-MM-DD, e.g. --as-of 2024-07-01");
  const auto midnight = local_midnight(day_of(*day), timezone);
  if (!midnight)
    return Status::invalid_argument("--timezone", fmt::format("'{}' is not a time zone this system knows", timezone),
                                    "pass an IANA name such as Europe/Berlin or America/New_York (default UTC)");
  io::ReadOptions ro;
  ro.now = now.resolve();
  ro.config = config;
  if (!io::parse_on_error(on_error, ro.on_error))
    return Status::invalid_argument("--on-error", fmt::format("'{}' is not a policy", on_error), "use fail, skip or quarantine");
  return std::pair{*midnight, ro};
}

void WebhookArgs::add_to(CLI::App* cmd, const std::string& url_help) {
  cmd->add_option("--webhook", url, url_help + "\nexample: --webhook https://crm.example.com/hooks/kohort");
  cmd->add_option("--webhook-secret-file", secret_file,
                  "a file whose first line is the shared secret each request is signed with (HMAC-SHA256 in the "
                  "Kohort-Signature header); kept out of the command line so it stays out of process lists and "
                  "shell history\nexample: --webhook-secret-file /etc/kohort/crm.secret");
  cmd->add_option("--webhook-batch", options.batch_size, "events per request\nexample: --webhook-batch 500")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--webhook-attempts", options.attempts,
                  "requests per batch, the first included, before its events go to the dead-letter table"
                  "\nexample: --webhook-attempts 10")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--webhook-backoff", options.backoff_s,
                  "seconds before the first retry, doubled at each retry and drawn between half and all of that\nexample: --webhook-backoff 5")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--webhook-backoff-max", options.backoff_max_s,
                  "the longest wait between two requests of a batch, in seconds; a Retry-After up to it is honoured\nexample: --webhook-backoff-max 300")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--webhook-timeout", options.timeout_s, "seconds a request may take, connecting included"
                                                          "\nexample: --webhook-timeout 30")
      ->check(CLI::Range(0.001, 3600.0));
}

Result<deliver::WebhookOptions> WebhookArgs::resolve(const std::string& url_given) const {
  deliver::WebhookOptions o = options;
  o.url = url_given;
  KOHORT_RETURN_IF_ERROR(deliver::check_webhook_url(o.url, "--webhook"));
  if (secret_file.empty())
    return Status::invalid_argument("--webhook-secret-file", "a webhook needs the secret its requests are signed with",
                                    "write the secret shared with the receiver into a file and pass --webhook-secret-file FILE");
  std::string text;
  KOHORT_RETURN_IF_ERROR(read_file(secret_file, text));
  o.secret = text.substr(0, text.find_first_of("\r\n"));
  if (o.secret.empty())
    return Status::invalid_input(secret_file + ":1:1", "the webhook secret file's first line is empty",
                                 "write the secret shared with the receiver on the first line");
  return o;
}

nlohmann::json delivery_json(const std::string& url, const deliver::Delivery& d) {
  const auto& r = d.report;
  return {{"url", redact_url(url)},         {"events", r.events},     {"delivered", r.delivered},
          {"requests", r.requests},         {"retries", r.retries},   {"undelivered", r.undelivered.size()},
          {"dead_letters", d.dead_letters}, {"after", d.after ? nlohmann::json(*d.after) : nlohmann::json(nullptr)},
          {"through", d.through.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.through)}};
}

void log_delivery(const Context& ctx, const std::string& url, const deliver::Delivery& d, const std::string& store) {
  const auto& r = d.report;
  ctx.log().info("webhook {}: {} of {} events delivered in {} requests ({} retries)", redact_url(url), r.delivered, r.events,
                 r.requests, r.retries);
  if (!r.undelivered.empty() || d.dead_letters > 0)
    ctx.log().warn("webhook {}: {} events not delivered this run, {} in the dead-letter table; see them with kohort export "
                   "--store {} --what dead-letters, retry them with kohort redeliver --store {} --webhook-secret-file FILE",
                   redact_url(url), r.undelivered.size(), d.dead_letters, redact_url(store), redact_url(store));
}

}  // namespace kohort::app
