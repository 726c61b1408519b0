// apps/kohort/shell.h — what every command shares: global flags, context, output, errors.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "kohort/assign/run.h"
#include "kohort/core/context.h"
#include "kohort/core/log.h"
#include "kohort/core/progress.h"
#include "kohort/core/result.h"
#include "kohort/core/status.h"
#include "kohort/deliver/deliver.h"
#include "kohort/features/feature_table.h"
#include "kohort/features/feature_spec.h"
#include "kohort/io/dataset.h"
#include "kohort/model/model.h"
#include "kohort/store/store.h"

namespace kohort::app {

/// Global options and the objects built from them once parsing is done.
struct Shell {
  int threads = 0;  ///< 0: all cores
  std::uint64_t seed = 42;
  std::string log_level = "info";
  bool json = false;
  bool quiet = false;
  int exit_code = 0;  ///< set by the command's callback

  std::unique_ptr<Logger> logger;
  std::unique_ptr<Progress> progress;
  std::atomic<bool> cancel{false};

  /// Builds the context from the parsed flags (threads, seed, logger on stderr, progress bar
  /// on stderr when it is a terminal).
  Context context();
  /// Prints a failure (text on stderr, or {"error": …} on stdout with --json); returns 1.
  int fail(const Status& status) const;
  /// As fail(), for a command line that cannot be used as given; returns 2.
  int usage_error(const Status& status) const { return fail(status) + 1; }
  /// Prints a JSON document on stdout.
  void print_json(const nlohmann::json& j) const;
};

/// Parses a size: bytes, or a number with K, M, G or T (powers of 1024; "1.5G", "512M").
[[nodiscard]] bool parse_size(std::string_view text, std::uint64_t& bytes);
/// "1.5 GiB", "512 MiB", "900 B".
[[nodiscard]] std::string format_size(std::uint64_t bytes);
/// The machine's physical memory in bytes.
[[nodiscard]] std::uint64_t physical_memory();
/// $TMPDIR, or /tmp.
[[nodiscard]] std::string temp_folder();

/// Logs a load's notes (info) and, per stream with rejected rows, how many and where they went
/// (a warning).
void log_load(const Context& ctx, const std::vector<io::StreamReport>& reports,
              const std::vector<std::string>& notes);

/// The smallest --memory-limit taken: below it the program and one window of text alone would
/// not fit.
inline constexpr std::uint64_t kMinMemoryLimit = std::uint64_t{64} << 20;

/// --memory-limit, --spill-dir and --partitions: how a command splits data larger than memory
/// into partitions by customer on disk (io::partition_dataset()).
struct SplitOptions {
  std::string memory_limit;  ///< as given; default 80% of physical memory
  std::string spill_dir;     ///< default temp_folder()
  std::uint32_t partitions = 0;  ///< 0: from the memory limit

  /// Registers the three flags on `cmd`.
  void add_to(CLI::App* cmd);
  /// The number of partitions for `data` (1: read it whole) and the limit it was chosen under;
  /// also sizes `read`'s windows (limit/16), longest record (limit/8) and partition buffers to
  /// the limit (each within 1–64 MiB, or 64 KiB–4 MiB a partition), so that reading stays
  /// within it. Fails as io::estimate_text_bytes() does (a size that cannot be read, or one
  /// below 64 MiB, is refused when the command line is parsed, exit 2).
  [[nodiscard]] Result<std::uint32_t> plan(const std::string& data, io::ReadOptions& read,
                                           std::uint64_t& limit) const;
  /// The feature rows of `data` as of spec.as_of (which must be set), read whole or one
  /// partition at a time as plan() decides: the code `kohort fit` computes its features with.
  /// Logs the load. Fails as plan(), split(), io::load_dataset() and compute_features().
  using Rows = assign::DayRows;
  /// `on_log`, when given, sees the event log of each partition (or the whole one) as it is read;
  /// with `value_with`, each row's value under that model's CLV parameters is computed from the
  /// same read (model::value_rows).
  [[nodiscard]] Result<Rows> feature_rows(const Context& ctx, const std::string& data, io::ReadOptions& read,
                                          const features::FeatureSpec& spec,
                                          const std::function<void(const events::EventLog&)>& on_log = {},
                                          const model::SegmentModel* value_with = nullptr) const;
  /// Splits `data` into `partitions` under the spill folder, logging where and how much.
  [[nodiscard]] Result<io::PartitionedDataset> split(const Context& ctx, const std::string& data,
                                                     const io::ReadOptions& read, std::uint32_t partitions,
                                                     std::uint64_t limit) const;
};

/// After a command line that could not be parsed: for each word CLI11 did not expect (an
/// unknown command or option), prints "did you mean …?" on stderr with the closest command or
/// option of the command (at most two edits away, or one it begins), if any.
void suggest_spelling(const CLI::App& app);

/// Every option of a parsed command as given or defaulted, by long name (positional arguments
/// by their name; flags as true/false), for the lineage and the run record. A value holding a
/// URL has its password replaced by "***".
[[nodiscard]] nlohmann::json options_record(const CLI::App& cmd);

/// The current time as "YYYY-MM-DDTHH:MM:SSZ": the one place the shell reads the clock for a
/// run's record.
[[nodiscard]] std::string now_utc();

/// --now: the instant a data command treats as now. Rows dated after it (and before 1990) are
/// left out by every command that reads data, so all of them read the same rows; a fit records
/// it in its lineage. The one place the clock is read for it is resolve(), once per run.
struct NowOption {
  std::string text;  ///< as given; empty: the current time

  /// Registers --now on `cmd`; a value that is not an ISO 8601 date or date-time is refused
  /// when the command line is parsed (exit 2).
  void add_to(CLI::App* cmd);
  /// The instant: the given one, or the current time.
  [[nodiscard]] Seconds resolve() const;
};

/// What a daily command (assign, monitor) works on: DATA, the day (--as-of in --timezone), the
/// store and model version, and how the data is read (--config, --on-error, --now and the
/// split flags). Each flag declared here once.
struct DayArgs {
  std::string data;
  std::string as_of;
  std::string timezone = "UTC";
  std::string store = "kohort.db";
  std::int64_t model_version = 0;
  std::string config;
  std::string on_error = "fail";
  SplitOptions split;
  NowOption now;

  /// Registers DATA and the flags on `cmd`; `day` says what the day means to the command.
  void add_to(CLI::App* cmd, const std::string& day);
  /// The model version asked for, if any.
  [[nodiscard]] std::optional<std::int64_t> version() const {
    return model_version > 0 ? std::optional(model_version) : std::nullopt;
  }
  /// The day's cut (its midnight in --timezone) and the reading options. Fails with
  /// invalid_argument naming the flag (a usage error, exit 2) for a date, zone or policy that is
  /// not one.
  [[nodiscard]] Result<std::pair<Seconds, io::ReadOptions>> resolve() const;
};

/// A webhook destination and how it is delivered to (kohort assign, kohort redeliver): --webhook,
/// --webhook-secret-file and the batch and retry timings. Each flag declared here once.
struct WebhookArgs {
  std::string url;
  std::string secret_file;
  deliver::WebhookOptions options;  ///< the batch size and timings; url and secret come with resolve()

  /// Registers the flags on `cmd`; `url_help` says what --webhook means to the command.
  void add_to(CLI::App* cmd, const std::string& url_help);
  [[nodiscard]] bool wanted() const { return !url.empty(); }
  /// The options, with the URL and the secret read from --webhook-secret-file (its first line).
  /// Fails with invalid_argument naming the flag (exit 2) for a URL that is not http(s), with
  /// the file's error (exit 1) when it cannot be read, invalid_input when it holds no secret.
  [[nodiscard]] Result<deliver::WebhookOptions> resolve(const std::string& url_given) const;
};

/// A delivery as `--json` prints it under "webhook": url (without a password), events,
/// delivered, requests, retries, dead_letters (of the destination, after the run), after, through.
[[nodiscard]] nlohmann::json delivery_json(const std::string& url, const deliver::Delivery& d);
/// Logs a delivery: how many events went out, and what is left as dead letters and how to retry them.
void log_delivery(const Context& ctx, const std::string& url, const deliver::Delivery& d, const std::string& store);

/// OK unless one of `outputs` ({flag, path}) would write over a file the command reads: a file
/// of the dataset at `data` (io::input_files), or one of `also` (a store's files, a table).
/// Fails with invalid_input naming the flag and both paths (exit 1), or as io::input_files.
[[nodiscard]] Status refuse_overwrite(const std::string& data, const io::ReadOptions& read,
                                      std::vector<std::string> also,
                                      std::initializer_list<std::pair<const char*, std::string>> outputs);

/// Opens a store a command only reads or changes: a SQLite path that does not exist is
/// not_found ("no such store") rather than a new empty store. Fails as store::Store::open().
[[nodiscard]] Result<std::unique_ptr<store::Store>> open_existing_store(const std::string& location);

/// Leaves out of `rows` the customers erased by kohort forget and not seen since (model/forget.h),
/// logging how many. Fails as Store::forgotten().
[[nodiscard]] Status leave_out_forgotten(const Context& ctx, store::Store& store, SplitOptions::Rows& rows);

/// Runs this very binary as `kohort ARGS…` and waits for it: its stdout goes to this process's
/// stderr (so that a --json result on stdout stays one document), its stderr and environment are
/// inherited. Returns its exit code, or −1 when it could not be started or was killed.
[[nodiscard]] int run_kohort(const std::vector<std::string>& args);

/// Adds the shared --threads/--seed/--json/--log-level flags to a subcommand.
void add_common_flags(CLI::App* cmd, Shell& shell);

/// The help group of `kohort fit`'s modelling options: what the segments are made of, as opposed
/// to where the data and the store are or how the run is carried out. A retrain carries them.
inline constexpr const char* kModellingGroup = "Modelling";

/// Each command registers itself: one function per cmd_<name>.cpp.
void add_cluster_command(CLI::App& app, Shell& shell);
void add_fit_command(CLI::App& app, Shell& shell);
/// The long names of `kohort fit`'s options in kModellingGroup ("algo", "k", …), read from the
/// command itself so that they are declared once.
[[nodiscard]] std::vector<std::string> fit_modelling_options(Shell& shell);
void add_report_command(CLI::App& app, Shell& shell);
void add_demo_command(CLI::App& app, Shell& shell);
void add_check_command(CLI::App& app, Shell& shell);
void add_simulate_command(CLI::App& app, Shell& shell);
void add_features_command(CLI::App& app, Shell& shell);
void add_clv_command(CLI::App& app, Shell& shell);
void add_assign_command(CLI::App& app, Shell& shell);
void add_monitor_command(CLI::App& app, Shell& shell);
void add_forget_command(CLI::App& app, Shell& shell);
void add_export_command(CLI::App& app, Shell& shell);
void add_models_command(CLI::App& app, Shell& shell);
void add_segments_command(CLI::App& app, Shell& shell);
void add_redeliver_command(CLI::App& app, Shell& shell);

}  // namespace kohort::app
