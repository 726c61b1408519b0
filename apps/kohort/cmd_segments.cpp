// kohort segments list|rename ID NAME — the latest version's segments, and names people give
// them that hold across refits (a segment's id is its identity: model/identity.h).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct SegmentsArgs {
  std::string store = "kohort.db";
  std::int32_t id = 0;
  std::string name;
};

int list_segments(Shell& shell, const SegmentsArgs& a) {
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  auto latest = (*st)->latest();
  if (!latest.ok()) return shell.fail(latest.status());
  if (!*latest) return shell.fail(Status::not_found("store", "nothing is published yet", "run kohort fit DATA --store … first"));
  auto segments = (*st)->segments((*latest)->version);
  auto labels = (*st)->segment_labels();
  if (!segments.ok() || !labels.ok()) return shell.fail(!segments.ok() ? segments.status() : labels.status());
  nlohmann::json out = nlohmann::json::array();
  std::string table = fmt::format("{:>3}  {:<48}  {:>9}  {:>6}  {}\n", "id", "name", "customers", "share", "named by");
  for (const auto& s : *segments) {
    const bool named = std::any_of(labels->begin(), labels->end(), [&](const auto& l) { return l.first == s.id; });
    out.push_back({{"id", s.id}, {"name", s.name}, {"size", s.size}, {"share", s.share}, {"named_by", named ? "person" : "kohort"}});
    table += fmt::format("{:>3}  {:<48}  {:>9}  {:>5.1f}%  {}\n", s.id, s.name, s.size, 100 * s.share, named ? "person" : "kohort");
  }
  if (shell.json) shell.print_json({{"version", (*latest)->version}, {"segments", out}});
  else std::cout << table;
  return 0;
}

int rename(Shell& shell, const SegmentsArgs& a) {
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  if (Status s = (*st)->label_segment(a.id, a.name); !s.ok()) return shell.fail(s);
  shell.context().log().info("segment {} is now \"{}\", in this version and in every refit that keeps its id", a.id, a.name);
  if (shell.json) shell.print_json({{"id", a.id}, {"name", a.name}});
  return 0;
}

}  // namespace

void add_segments_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<SegmentsArgs>();
  CLI::App* cmd = app.add_subcommand("segments", "The latest version's segments, and names for them that hold across "
                                                 "refits.\nExample: kohort segments rename 4 \"Weekend gift buyers\"");
  cmd->require_subcommand(1);
  const auto store_option = [&](CLI::App* sub) {
    sub->add_option("--store", a->store, "the store: a SQLite file or a postgresql:// URL\nexample: --store kohort.db");
    add_common_flags(sub, shell);
  };
  CLI::App* list = cmd->add_subcommand("list", "id, name, size and share of each segment, and who named it");
  store_option(list);
  list->callback([&shell, a] { shell.exit_code = list_segments(shell, *a); });
  CLI::App* ren = cmd->add_subcommand("rename", "give segment ID a name of your own; it survives refits that keep the id");
  ren->add_option("id", a->id, "the segment id\nexample: 4")->required()->check(CLI::Range(0, std::numeric_limits<std::int32_t>::max()));
  ren->add_option("name", a->name, "the name\nexample: \"Weekend gift buyers\"")->required();
  store_option(ren);
  ren->callback([&shell, a] { shell.exit_code = rename(shell, *a); });
}

}  // namespace kohort::app
