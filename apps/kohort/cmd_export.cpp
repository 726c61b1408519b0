// kohort export --store S --what assignments|transitions|dead-letters --format csv|jsonl --out F — the
// segments of any day (rebuilt from the transitions when the store no longer keeps it) and the
// transitions between dates, or the webhook dead letters, as files for CRMs and spreadsheets
// (assign/export_table.h).
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "kohort/assign/export_table.h"
#include "kohort/assign/snapshot.h"
#include "kohort/core/atomic_file.h"
#include "kohort/core/text.h"
#include "kohort/core/time.h"
#include "kohort/io/dataset.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct ExportArgs {
  std::string store = "kohort.db";
  std::string what = "assignments";
  std::string format = "csv";
  std::string out;
  std::string as_of, since;
  std::string delta;  // a destination name: only what it has not received
  std::string data;   // a dataset whose customers stream gives the emails and attributes
};

// The emails and attributes of `data`'s customers stream (only that stream is read).
Result<assign::Contacts> read_contacts(const Context& ctx, const std::string& data) {
  io::ReadOptions ro;
  ro.streams = {events::Stream::customers};
  KOHORT_ASSIGN_OR_RETURN(const auto ds, io::load_dataset(ctx, data, ro));
  if (!ds.log.has(events::Stream::customers))
    return Status::not_found(printable(data, 0), "the dataset has no customers stream to take emails from",
                             "add customers.csv (customer_id, email, …) to the folder, or drop --data");
  if (ds.log.attributes.email.empty())
    ctx.log().warn("{}: the customers stream has no email column; the exported emails are empty", printable(data, 0));
  return assign::contacts_of(ds.log);
}

// A date option, or `fallback` when not given; usage error (exit 2) when it is not a date.
Result<Seconds> date_option(const std::string& flag, const std::string& text, Seconds fallback) {
  if (text.empty()) return fallback;
  const auto t = parse_iso8601(text);
  if (!t) return Status::invalid_argument(flag, fmt::format("'{}' is not a date", text), "pass a date as YYYY-MM-DD");
  return *t;
}

Result<std::string> assignments(store::Store& store, Seconds as_of, const std::optional<Seconds>& since,
                                const std::string& format, const assign::Contacts* contacts, nlohmann::json& about) {
  KOHORT_ASSIGN_OR_RETURN(auto snap, assign::snapshot(store, as_of));
  if (since) {
    KOHORT_ASSIGN_OR_RETURN(snap, assign::changes_since(store, snap, *since));
  }
  KOHORT_ASSIGN_OR_RETURN(const auto segments, store.segments(snap.version));
  std::map<std::int32_t, assign::SegmentText> names;
  for (const auto& s : segments) names[s.id] = {s.name, assign::characteristics(s.profile_json)};
  about = {{"as_of", format_datetime(snap.as_of)}, {"version", snap.version}, {"source", snap.source}, {"rows", snap.rows.size()}};
  if (format == "salesforce") return assign::salesforce_table(snap, names, contacts);
  if (format == "klaviyo") return assign::klaviyo_jobs(snap, names, contacts);
  if (format == "hubspot") {
    std::int64_t without_email = 0;
    std::string text = assign::hubspot_table(snap, names, *contacts, without_email);
    about["rows"] = static_cast<std::int64_t>(snap.rows.size()) - without_email;
    about["without_email"] = without_email;
    return text;
  }
  return assign::assignments_table(snap, names, format == "jsonl" ? assign::TableFormat::jsonl : assign::TableFormat::csv,
                                   contacts);
}

// The segments of the version current on `as_of`: the latest fitted on or before it.
Result<std::string> segments(store::Store& store, Seconds as_of, assign::TableFormat format, nlohmann::json& about) {
  KOHORT_ASSIGN_OR_RETURN(const auto versions, store.versions());
  const store::VersionInfo* current = nullptr;
  for (const auto& v : versions)
    if (parse_iso8601(v.as_of).value_or(0) <= as_of) current = &v;
  if (current == nullptr)
    return Status::not_found("--as-of", fmt::format("nothing was published as of {}", format_date(as_of)),
                             "ask for a day on or after the first fit's date");
  KOHORT_ASSIGN_OR_RETURN(const auto rows, store.segments(current->version));
  about = {{"version", current->version}, {"rows", rows.size()}};
  return assign::segments_table(rows, format);
}

// The latest current assignment day on or before `as_of` (the day a transitions export reaches).
Result<std::optional<Seconds>> last_day(store::Store& store, Seconds as_of) {
  KOHORT_ASSIGN_OR_RETURN(const auto days, store.assign_days());
  std::optional<Seconds> out;
  for (const auto& d : days)
    if (const auto t = parse_iso8601(d.as_of); d.status == "current" && t && *t <= as_of) out = *t;
  return out;
}

int run_export(Shell& shell, const ExportArgs& a) {
  const Context ctx = shell.context();
  const auto as_of = date_option("--as-of", a.as_of, std::numeric_limits<Seconds>::max() / 2);
  const auto since = date_option("--since", a.since, 0);
  if (!as_of.ok()) return shell.usage_error(as_of.status());
  if (!since.ok()) return shell.usage_error(since.status());
  if (shell.json && a.out == "-")
    return shell.usage_error(Status::invalid_argument("--out", "--out - and --json both write to standard output",
                                                      "write the export to a file, or drop --json"));
  if (a.format == "hubspot" && a.data.empty())
    return shell.usage_error(Status::invalid_argument("--format", "HubSpot matches contacts on their email, which the store does not hold",
                                                      "pass --data DIR, the dataset whose customers stream has the emails"));
  if (!a.data.empty() && a.what != "assignments")
    return shell.usage_error(Status::invalid_argument("--data", "--data joins emails and attributes to the assignments only",
                                                      "drop --data, or export the assignments"));
  if ((a.format == "salesforce" || a.format == "klaviyo" || a.format == "hubspot") && a.what != "assignments")
    return shell.usage_error(Status::invalid_argument("--format", fmt::format("--format {} writes assignments only", a.format),
                                                      "use csv or jsonl for the transitions, segments and dead letters"));
  if (a.what == "segments" && !(a.delta.empty() && a.since.empty()))
    return shell.usage_error(Status::invalid_argument("--what", "segments are written whole: --delta and --since do not apply",
                                                      "drop them (--as-of picks the version current that day)"));
  if (a.what == "dead-letters" && !(a.delta.empty() && a.as_of.empty() && a.since.empty()))
    return shell.usage_error(Status::invalid_argument("--what", "dead-letters are written whole: --delta, --as-of and --since do not apply",
                                                      "drop them, or ask for assignments or transitions"));
  if (Status s = refuse_overwrite("", {}, store::store_files(a.store), {{"--out", a.out}}); !s.ok()) return shell.fail(s);
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  const auto format = a.format == "jsonl" ? assign::TableFormat::jsonl : assign::TableFormat::csv;
  nlohmann::json about;
  std::optional<Seconds> mark;  // --delta: what the destination already has
  if (!a.delta.empty()) {
    auto w = (*st)->watermark(a.delta);
    if (!w.ok()) return shell.fail(w.status());
    if (*w) mark = parse_iso8601(**w);
  }
  Result<std::string> text = Status::internal("export", "nothing asked");
  std::optional<Seconds> reached;
  std::optional<assign::Contacts> contacts;
  if (!a.data.empty()) {
    auto c = read_contacts(ctx, a.data);
    if (!c.ok()) return shell.fail(c.status());
    contacts = std::move(*c);
  }
  if (a.what == "assignments") {
    text = assignments(**st, *as_of, mark, a.format, contacts ? &*contacts : nullptr, about);
    if (text.ok()) reached = parse_iso8601(about["as_of"].get<std::string>());
  } else if (a.what == "segments") {
    text = segments(**st, *as_of, format, about);
  } else if (a.what == "dead-letters") {
    auto letters = (*st)->dead_letters("");
    if (letters.ok()) {
      about = {{"rows", letters->size()}};
      text = assign::dead_letters_table(*letters, format);
    } else {
      text = letters.status();
    }
  } else {
    const std::string from = mark ? format_datetime(*mark + 1) : a.since.empty() ? "" : format_datetime(*since);
    auto moves = (*st)->transitions(from, a.as_of.empty() ? "" : format_datetime(*as_of));
    auto last = last_day(**st, *as_of);
    if (moves.ok() && last.ok()) {
      about = {{"since", from.empty() ? nlohmann::json(nullptr) : nlohmann::json(from)}, {"rows", moves->size()}};
      text = assign::transitions_table(*moves, format);
      reached = *last;
    } else {
      text = moves.ok() ? last.status() : moves.status();
    }
  }
  if (!text.ok()) return shell.fail(text.status());
  if (Status s = write_file_atomic(a.out, *text); !s.ok()) return shell.fail(s);
  if (!a.delta.empty() && reached && (!mark || *reached > *mark)) {
    // After the file: a failure here sends the same changes again next time, never fewer.
    if (Status s = (*st)->set_watermark(a.delta, format_datetime(*reached)); !s.ok()) return shell.fail(s);
    about["delta"] = {{"destination", a.delta}, {"after", mark ? nlohmann::json(format_datetime(*mark)) : nlohmann::json(nullptr)},
                      {"through", format_datetime(*reached)}};
  }
  about["what"] = a.what, about["format"] = a.format, about["out"] = a.out;
  ctx.log().info("wrote {} {} rows to {}", about["rows"].get<std::size_t>(), a.what, a.out);
  if (about.contains("source") && about["source"] == "transitions")
    ctx.log().info("the day {} was rebuilt from the fit's assignments and the transitions since (no confidence kept)",
                   about["as_of"].get<std::string>().substr(0, 10));
  if (shell.json) shell.print_json(about);
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Every customer's segment on a day (any past day: the store rebuilds it from the transitions), or the "
      "transitions between two dates, or the webhook events not delivered, as CSV or JSON Lines for a CRM or a spreadsheet. Segment names that a "
      "spreadsheet would run as a formula are neutralised with a leading '.\n"
      "Example: kohort export --store kohort.db --what assignments --as-of 2024-07-01 --out segments.csv");
  cmd->add_option("--store", a->store, "the store: a SQLite file or a postgresql:// URL\nexample: --store kohort.db");
  cmd->add_option("--what", a->what,
                  "assignments (customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics) or transitions "
                  "(customer_id,from_segment,to_segment,as_of,reason) or dead-letters, the webhook events not delivered "
                  "(destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at) or segments "
                  "(segment,name,size,share,revenue_share,clv_12m,p_alive,churn_risk,characteristics)"
                  "\nexample: --what transitions")
      ->check(CLI::IsMember({"assignments", "transitions", "segments", "dead-letters"}));
  cmd->add_option("--format", a->format,
                  "csv or jsonl; for assignments also salesforce (a Bulk API 2.0 upsert CSV on the external id "
                  "Kohort_Customer_Id__c), klaviyo (bulk profile import job bodies, one per line, keyed on "
                  "external_id) or hubspot (a contact import CSV keyed on Email; needs --data)"
                  "\nexample: --format salesforce")
      ->check(CLI::IsMember({"csv", "jsonl", "salesforce", "klaviyo", "hubspot"}));
  cmd->add_option("--data", a->data,
                  "assignments: join each customer's email and attributes (signup_date, region, age, loyalty_tier) "
                  "from this dataset's customers stream, which is all that is read of it\nexample: --data exports/");
  cmd->add_option("--out", a->out, "the file to write (replaced whole, atomically); - for standard output\nexample: --out segments.csv")
      ->required();
  cmd->add_option("--as-of", a->as_of,
                  "assignments: the day whose segments to write (default: the latest); transitions: the last day "
                  "(default: all)\nexample: --as-of 2024-07-01");
  cmd->add_option("--since", a->since, "transitions: the first day (default: all)\nexample: --since 2024-06-01");
  cmd->add_option("--delta", a->delta,
                  "only what this destination has not received: the customers who entered a segment (or the "
                  "transitions) after its last export; the first export, or one after a refit, sends everything. The "
                  "store keeps each destination's last day\nexample: --delta hubspot");
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_export(shell, *a); });
}

}  // namespace kohort::app
