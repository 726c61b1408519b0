// kohort simulate — write a synthetic customer dataset with known personas (sim/simulator.h).
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <string>

#include "kohort/core/time.h"
#include "kohort/sim/personas.h"
#include "kohort/sim/simulator.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct SimulateArgs {
  index_t customers = 0;
  std::string out;
  std::string start = "2023-01-01";
  int days = 730;
  std::string drift;
  std::string drift_kind = "shift";
  std::string compress = "none";
  std::string streams = "all";
};

// Bad values on the command line are bad usage: exit 2 (STYLE.md, "Errors in detail").
int usage_error(const Shell& shell, const Status& s) {
  shell.fail(s);
  return 2;
}

int run_simulate(Shell& shell, const SimulateArgs& a) {
  const Context ctx = shell.context();
  sim::SimulateOptions o;
  o.customers = a.customers;
  o.out_dir = a.out;
  o.days = a.days;
  const auto start = parse_iso8601(a.start);
  if (!start)
    return usage_error(
        shell, Status::invalid_argument("--start", fmt::format("'{}' is not a date", a.start),
                                        "pass a date as YYYY-MM-DD, e.g. --start 2023-01-01"));
  o.start = *start;
  if (!a.drift.empty()) {
    const auto drift = parse_iso8601(a.drift);
    if (!drift)
      return usage_error(
          shell, Status::invalid_argument("--drift", fmt::format("'{}' is not a date", a.drift),
                                          "pass a date as YYYY-MM-DD, e.g. --drift 2024-06-01"));
    o.drift = *drift;
  }
  o.drift_kind = a.drift_kind == "emerge"  ? sim::DriftKind::emerge
                 : a.drift_kind == "fault" ? sim::DriftKind::fault
                                           : sim::DriftKind::shift;
  o.compress = a.compress == "gz"    ? sim::Compression::gz
               : a.compress == "zst" ? sim::Compression::zst
                                     : sim::Compression::none;
  o.streams =
      a.streams == "transactions" ? sim::StreamSelection::transactions : sim::StreamSelection::all;
  if (Status v = o.validate(); !v.ok()) return usage_error(shell, v);

  const auto t0 = std::chrono::steady_clock::now();
  auto result = sim::simulate(ctx, o);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.ok()) return shell.fail(result.status());
  const sim::SimulateSummary& s = *result;

  ctx.log().info("simulated {} customers ({} personas) into {} in {:.2f} s", s.customers,
                 sim::personas().size(), a.out, seconds);
  for (const auto& f : s.files)
    ctx.log().info("  {:<28} {:>12} rows {:>10.1f} MB", f.path, f.rows,
                   static_cast<double>(f.bytes) / 1e6);
  ctx.log().info("  total {} rows, {:.1f} MB, {:.0f} rows/s, {:.1f} MB/s", s.total_rows(),
                 static_cast<double>(s.total_bytes()) / 1e6,
                 static_cast<double>(s.total_rows()) / seconds,
                 static_cast<double>(s.total_bytes()) / 1e6 / seconds);
  if (shell.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : s.files)
      files.push_back(
          {{"stream", f.stream}, {"path", f.path}, {"rows", f.rows}, {"bytes", f.bytes}});
    shell.print_json({{"customers", s.customers},
                      {"personas", sim::personas().size()},
                      {"out", a.out},
                      {"files", files},
                      {"removed", s.removed},
                      {"rows", s.total_rows()},
                      {"bytes", s.total_bytes()},
                      {"seconds", seconds}});
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Write a synthetic customer dataset: transactions, sessions, emails, support, customers,\n"
      "referrals, plus truth.csv with each customer's persona and true BG/NBD parameters.\n"
      "Output depends on --seed and the options, never on --threads.\n"
      "Example: kohort simulate --customers 100000 --seed 7 --out data/sim --drift 2024-06-01");
  cmd->add_option("--customers", a->customers,
                  "number of customers to generate (1..100000000)\nexample: --customers 100000")
      ->required();
  cmd->add_option("--out", a->out,
                  "dataset folder, created when missing; one file per stream\n"
                  "example: --out data/sim")
      ->required();
  cmd->add_option("--start", a->start,
                  "first day of the simulated period\n"
                  "example: --start 2022-07-01");
  cmd->add_option("--days", a->days,
                  "length of the period in days\nexample: --days 365");
  cmd->add_option("--drift", a->drift,
                  "from this date on every persona's purchase rate, discount share and channel\n"
                  "mix shift (see sim/personas.h); must lie inside the period (default: none)\n"
                  "example: --drift 2024-06-01");
  cmd->add_option("--drift-kind", a->drift_kind,
                  "what changes at --drift: shift (every persona's purchase rate, discount share and\n"
                  "channel mix), emerge (15% of the customers come from a new persona that starts\n"
                  "buying a few weeks after the date) or fault (every amount from the date on is\n"
                  "written ×100, as when a feed switches to cents)\nexample: --drift-kind emerge")
      ->check(CLI::IsMember({"shift", "emerge", "fault"}));
  cmd->add_option("--compress", a->compress,
                  "none, gz (gzip) or zst (zstandard); files get .csv.gz or .csv.zst "
                  "\nexample: --compress zst")
      ->check(CLI::IsMember({"none", "gz", "zst"}));
  cmd->add_option("--streams", a->streams,
                  "all, or transactions (transactions.csv and truth.csv only; the same\n"
                  "transactions as with all)\nexample: --streams transactions")
      ->check(CLI::IsMember({"all", "transactions"}));
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_simulate(shell, *a); });
}

}  // namespace kohort::app
