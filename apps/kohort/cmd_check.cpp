// kohort check DATA — read a dataset and report on its quality: counts, mapping, findings.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "kohort/core/time.h"
#include "kohort/io/dataset.h"
#include "kohort/io/quality.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct CheckArgs {
  std::string data;
  std::string on_error = "fail";
  std::string rejects_dir;
  NowOption now;
  SplitOptions split;
};

int run_check(Shell& shell, const CheckArgs& a) {
  const Context ctx = shell.context();
  io::ReadOptions ro;
  if (!io::parse_on_error(a.on_error, ro.on_error))
    return shell.usage_error(Status::invalid_argument(
        "--on-error", fmt::format("'{}' is not fail, skip or quarantine", a.on_error),
        "pass --on-error=skip or --on-error=quarantine"));
  ro.rejects_dir = a.rejects_dir;
  io::QualityOptions qo;
  ro.now = a.now.resolve();

  std::uint64_t limit = 0;
  const auto partitions = a.split.plan(a.data, ro, limit);
  if (!partitions.ok()) return shell.fail(partitions.status());
  // The data, read whole or (larger than the memory limit) one partition at a time.
  Result<io::QualityReport> report = Status::internal("check", "not read");
  if (*partitions > 1) {
    auto parts = a.split.split(ctx, a.data, ro, *partitions, limit);
    if (!parts.ok()) return shell.fail(parts.status());
    report = io::check_quality(ctx, *parts, qo);
  } else {
    auto ds = io::load_dataset(ctx, a.data, ro);
    if (!ds.ok()) return shell.fail(ds.status());
    report = io::check_quality(ctx, *ds, qo);
  }
  if (!report.ok()) return shell.fail(report.status());

  if (shell.json) {
    shell.print_json(io::quality_json(*report));
  } else {
    std::cout << io::format_quality_report(*report);
  }
  if (!report->segmentable) {
    const Status s = Status::invalid_input(
        a.data, "data cannot be segmented: " + report->reason,
        "add purchase rows for at least 2 customers (transactions needs customer, time and "
        "amount columns)");
    if (shell.json) {
      std::cerr << s.message() << std::endl;
      return 1;
    }
    return shell.fail(s);
  }
  return 0;
}

}  // namespace

void add_check_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Read a dataset and report its quality: rows read/accepted/rejected per stream, the "
      "inferred column mapping, missing and invalid values, duplicates, returns, future or "
      "implausible dates, amount outliers, customers without events, and the policy applied "
      "to each later. Exit 1 when the data cannot be segmented.\n"
      "Example: kohort check data/ --on-error quarantine");
  cmd->add_option("data", a->data,
                  "a folder with transactions.csv (and optional sessions, emails, support, "
                  "customers, referrals; .csv/.tsv/.jsonl, optionally .gz/.zst) or one "
                  "transactions file; a kohort.toml in the folder maps other file, column or "
                  "SQLite table names\nexample: data/")
      ->required();
  cmd->add_option("--on-error", a->on_error,
                  "bad rows: fail (stop at the first, default), skip (count and leave out) or "
                  "quarantine (also write them to <stream>.rejects.csv)\nexample: --on-error skip")
      ->check(CLI::IsMember({"fail", "skip", "quarantine"}));
  cmd->add_option("--rejects-dir", a->rejects_dir,
                  "folder for the rejects files of --on-error quarantine (default: beside the "
                  "data)\nexample: --rejects-dir /tmp/rejects");
  a->now.add_to(cmd);
  a->split.add_to(cmd);
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_check(shell, *a); });
}

}  // namespace kohort::app
