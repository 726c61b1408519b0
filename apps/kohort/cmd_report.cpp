// kohort report — one self-contained HTML page of a published segmentation (web/ renders the
// JSON that model::report_data() makes of the stored model, validated whole).
#include <filesystem>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "kohort/assign/life.h"
#include "kohort/core/atomic_file.h"
#include "kohort/core/paths.h"
#include "kohort/core/text.h"
#include "kohort/model/identity.h"
#include "kohort/model/report_data.h"
#include "kohort/report/report.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct ReportArgs {
  std::string store = "kohort.db";
  std::int64_t version = 0;
  std::string out = "report.html";
  std::string data_out;
  std::string migration_from, migration_to;
};

}  // namespace

int write_report(Shell& shell, const Context& ctx, store::Store& st, std::int64_t version, const std::string& out,
                 const std::string& data_out, const assign::MigrationSpan& span) {
  if (version == 0) {
    auto latest = st.latest();
    if (!latest.ok()) return shell.fail(latest.status());
    if (!*latest)
      return shell.fail(Status::not_found("store", "the store holds no model version yet",
                                          "run kohort fit DATA --store … first"));
    version = (*latest)->version;
  }
  auto text = st.model_json(version);
  if (!text.ok()) return shell.fail(text.status());
  auto data = model::report_data(*text, version);
  if (!data.ok()) return shell.fail(data.status());
  auto labels = st.segment_labels();
  if (!labels.ok()) return shell.fail(labels.status());
  model::apply_labels(*data, *labels);
  auto life = assign::life_data(st, span);
  if (!life.ok()) return shell.fail(life.status());
  (*data)["life"] = std::move(*life);
  if (!data_out.empty())
    if (Status s = write_file_atomic(data_out, json_text(*data, 2) + "\n"); !s.ok()) return shell.fail(s);
  auto html = report::render_report_html(*data);
  if (!html.ok()) return shell.fail(html.status());
  if (Status s = write_file_atomic(out, *html); !s.ok()) return shell.fail(s);
  ctx.log().info("report of model version {} ({} segments) → {}", version, (*data)["k"].get<int>(), out);
  return 0;
}

namespace {

int run_report(Shell& shell, const ReportArgs& a) {
  const Context ctx = shell.context();
  assign::MigrationSpan span;
  for (const auto& [flag, text, at] : {std::tuple{"--migration-from", &a.migration_from, &span.from},
                                       std::tuple{"--migration-to", &a.migration_to, &span.to}}) {
    if (text->empty()) continue;
    const auto t = parse_iso8601(*text);
    if (!t)
      return shell.usage_error(Status::invalid_argument(flag, fmt::format("'{}' is not a date", *text),
                                                        "pass a date as YYYY-MM-DD, e.g. 2024-07-01"));
    *at = *t;
  }
  if (span.from && span.to && *span.to <= *span.from)
    return shell.usage_error(Status::invalid_argument("--migration-to", "the migration must end after it begins",
                                                      "pass a --migration-to later than --migration-from"));
  const auto inputs = store::store_files(a.store);
  for (const auto& [flag, path] : {std::pair{"--out", a.out}, std::pair{"--data", a.data_out}})
    if (Status s = check_not_an_input(path, flag, inputs); !s.ok()) return shell.fail(s);
  auto st = open_existing_store(a.store);  // reading must not create a store
  if (!st.ok()) return shell.fail(st.status());
  const int code = write_report(shell, ctx, **st, a.version, a.out, a.data_out, span);
  if (code == 0 && shell.json) shell.print_json({{"store", store::redact_location(a.store)}, {"out", a.out}});
  return code;
}

}  // namespace

void add_report_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML report (opens offline) of a published segmentation: segments, "
      "drivers, heatmap, customer map, the choice of k, stability, profiles with narratives and rules, and its "
      "life: sizes over the fits and assignment days, monitor verdicts, KPIs over time, where customers went.\n"
      "Example: kohort report --store kohort.db --out report.html");
  cmd->add_option("--store", a->store, "the store to read\nexample: --store postgresql://kohort@db/segments");
  cmd->add_option("--version", a->version, "the model version to show (default: the latest)\nexample: --version 3")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 62));
  cmd->add_option("--out", a->out, "the HTML file to write\nexample: --out segments.html");
  cmd->add_option("--data", a->data_out, "also write the report's JSON data here\nexample: --data report.json");
  cmd->add_option("--migration-from", a->migration_from,
                  "where customers went: from the segments current on this date (default: the latest fit's date)"
                  "\nexample: --migration-from 2024-06-01");
  cmd->add_option("--migration-to", a->migration_to,
                  "where customers went: to the segments current on this date (default: the latest assignment day "
                  "after --migration-from)\nexample: --migration-to 2024-06-30");
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_report(shell, *a); });
}

}  // namespace kohort::app
