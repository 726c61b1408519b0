// kohort demo — the whole product on data Kohort makes itself: simulate customers (a new kind
// of customer emerges after the fit) → fit → publish → a month of daily assignment with a weekly
// monitor run → report, and how well the segments recover the planted personas.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unordered_map>
#include <ctime>

#include <fmt/format.h>

#include "kohort/io/dataset.h"
#include "kohort/model/fit.h"
#include "kohort/model/publish.h"
#include "kohort/select/compare.h"
#include "kohort/sim/simulator.h"
#include "kohort/store/store.h"
#include "demo_month.h"
#include "kohort/assign/life.h"
#include "shell.h"

namespace kohort::app {

int write_report(Shell& shell, const Context& ctx, store::Store& st, std::int64_t version, const std::string& out,
                 const std::string& data_out, const assign::MigrationSpan& span);

namespace {

struct DemoArgs {
  long long customers = 200000;
  std::string out = "kohort-demo";
  int k_min = 8, k_max = 25;
  int month = 30;  // days of daily assignment after the fit
};

// The planted persona of each customer id, from the simulator's truth.csv.
std::unordered_map<std::string, std::int32_t> read_truth(const std::string& path) {
  std::unordered_map<std::string, std::int32_t> truth;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    const auto a = line.find(',');
    const auto b = line.find(',', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    truth.emplace(line.substr(0, a), std::stoi(line.substr(a + 1, b - a - 1)));
  }
  return truth;
}

int run_demo(Shell& shell, const DemoArgs& a) {
  const Context ctx = shell.context();
  namespace fs = std::filesystem;
  const fs::path root(a.out);
  sim::SimulateOptions so;
  so.customers = static_cast<index_t>(a.customers);
  so.out_dir = (root / "data").string();
  // The fit is a month before the data ends; five days after it a new kind of customer starts to
  // arrive (the drift the month shows).
  const Seconds fit_day = so.end() - static_cast<Seconds>(a.month) * kSecondsPerDay;
  if (a.month > 0) {
    so.drift = fit_day + 5 * kSecondsPerDay;
    so.drift_kind = sim::DriftKind::emerge;
  }
  if (Status v = so.validate(); !v.ok()) return shell.usage_error(v);
  ctx.log().info("simulating {} customers into {}", so.customers, so.out_dir);
  auto sim = sim::simulate(ctx, so);
  if (!sim.ok()) return shell.fail(sim.status());

  auto data = io::load_dataset(ctx, so.out_dir, {});
  if (!data.ok()) return shell.fail(data.status());
  model::FitOptions o;
  o.k_min = a.k_min;
  o.k_max = a.k_max;
  o.as_of = fit_day;
  o.kohort_version = KOHORT_VERSION;
  o.created_at = format_datetime(static_cast<Seconds>(std::time(nullptr)));
  o.lineage = {{"inputs", model::input_lineage(*data)},
               {"command", "kohort demo"},
               {"config", {{"customers", a.customers}, {"seed", shell.seed}, {"k_min", a.k_min}, {"k_max", a.k_max}, {"month", a.month}}}};
  auto fit = model::fit_segments(ctx, *data, o);
  if (!fit.ok()) return shell.fail(fit.status());
  for (const auto& w : fit->warnings) ctx.log().warn("{}", w);
  if (Status s = model::write_outputs(*fit, (root / "out").string()); !s.ok()) return shell.fail(s);

  const std::string db = (root / "kohort.db").string();
  auto st = store::Store::open(db);
  if (!st.ok()) return shell.fail(st.status());
  auto version = model::publish(**st, *fit, {"kohort demo", o.created_at, {}});
  if (!version.ok()) return shell.fail(version.status());
  nlohmann::json month = nullptr;
  if (a.month > 0) {
    ctx.log().info("a month of daily assignment from {} (a new kind of customer arrives from {}), monitored weekly",
                   format_date(fit_day + kSecondsPerDay), format_date(so.drift));
    auto m = run_demo_month(ctx, **st, data->log, fit_day, a.month);
    if (!m.ok()) return shell.fail(m.status());
    month = std::move(*m);
  }
  const std::string html = (root / "report.html").string();
  if (int code = write_report(shell, ctx, **st, *version, html, "", {}); code != 0) return code;

  // Recovery of the planted personas.
  const auto truth = read_truth((root / "data" / "truth.csv").string());
  std::vector<std::int32_t> planted, found;
  for (std::size_t i = 0; i < fit->labels.size(); ++i) {
    const auto it = truth.find(fit->customer_ids[i]);
    if (it == truth.end()) continue;
    planted.push_back(it->second);
    found.push_back(fit->labels[i]);
  }
  const auto ari = select::adjusted_rand_index(planted, found);
  int personas = 0;
  for (auto p : planted) personas = std::max(personas, p + 1);
  ctx.log().info("{} segments for {} planted personas; ARI against the personas {:.3f}", fit->model.k(), personas,
                 ari.ok() ? *ari : 0.0);
  if (shell.json) {
    shell.print_json({{"customers", fit->labels.size()},
                      {"k", fit->model.k()},
                      {"planted_personas", personas},
                      {"ari", ari.ok() ? *ari : 0.0},
                      {"metrics", fit->metrics},
                      {"store", db},
                      {"version", *version},
                      {"report", html},
                      {"out", (root / "out").string()},
                      {"month", month}});
  } else {
    std::cout << fmt::format("{} customers → {} segments (planted personas: {}, ARI {:.3f})\n", fit->labels.size(),
                             fit->model.k(), personas, ari.ok() ? *ari : 0.0);
    for (const auto& s : fit->model.segments)
      std::cout << fmt::format("  {:>2}  {:<45} {:>6.1f}%\n", s["id"].get<int>(), s["name"].get<std::string>(),
                               100 * s["share"].get<double>());
    if (!month.is_null()) {
      std::cout << fmt::format("a month of daily assignment: {} days published, {} held back by the alarm; raw answers moved "
                               "{:.2f}% on the median day\n",
                               month["published"].get<std::int64_t>(), month["held"].get<std::int64_t>(),
                               100 * month["raw_moved_share"]["median"].get<double>());
      for (const auto& r : month["monitor"])
        std::cout << fmt::format("  monitor {}: {}{}\n", r["as_of"].get<std::string>(), r["verdict"].get<std::string>(),
                                 r["reason"].get<std::string>().empty() ? "" : " — " + r["reason"].get<std::string>());
    }
    std::cout << fmt::format("report: {}\nstore: {} (version {})\nassignments: {}\n", html, db, *version,
                             (root / "out" / "assignments.csv").string());
  }
  return 0;
}

}  // namespace

void add_demo_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Simulate customers, fit segments, publish them, assign every customer daily for a month in which a new "
      "kind of customer emerges (monitored weekly), and write the report, in one command.\n"
      "Example: kohort demo --customers 200000 --out kohort-demo");
  cmd->add_option("--customers", a->customers, "customers to simulate\nexample: --customers 50000")
      ->check(CLI::Range(100LL, 100000000LL));
  cmd->add_option("--out", a->out,
                  "folder for data/, out/, kohort.db and report.html\nexample: --out /tmp/demo");
  cmd->add_option("--k-min", a->k_min, "smallest number of segments considered\nexample: --k-min 4")
      ->check(CLI::Range(2, 1000));
  cmd->add_option("--month", a->month,
                  "days of daily assignment after the fit, monitored every 7th day; a new kind of customer starts "
                  "to arrive on the 5th (0: fit at the end of the data, no month)\nexample: --month 14")
      ->check(CLI::Range(0, 365));
  cmd->add_option("--k-max", a->k_max, "largest number of segments considered\nexample: --k-max 16")
      ->check(CLI::Range(2, 1000));
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_demo(shell, *a); });
}

}  // namespace kohort::app
