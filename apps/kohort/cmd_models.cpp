// kohort models list|pin N|unpin — the published versions, and which one assign uses.
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

struct ModelsArgs {
  std::string store = "kohort.db";
  std::int64_t version = 0;
};

int list_models(Shell& shell, const ModelsArgs& a) {
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  auto versions = (*st)->versions();
  if (!versions.ok()) return shell.fail(versions.status());
  auto pinned = (*st)->pinned_version();
  if (!pinned.ok()) return shell.fail(pinned.status());
  const std::int64_t used = *pinned ? **pinned : versions->empty() ? 0 : versions->back().version;
  nlohmann::json list = nlohmann::json::array();
  std::string table = fmt::format("{:>7}  {:<20}  {:<20}  {:<9}  {:>3}  {:>9}  {}\n", "version", "created", "as of",
                                  "algorithm", "k", "customers", "assign uses");
  for (const auto& v : *versions) {
    list.push_back({{"version", v.version}, {"created_at", v.created_at}, {"as_of", v.as_of}, {"algorithm", v.algorithm},
                    {"k", v.k}, {"customers", v.customers}, {"fingerprint", v.fingerprint},
                    {"pinned", *pinned && **pinned == v.version}, {"used_by_assign", v.version == used}});
    table += fmt::format("{:>7}  {:<20}  {:<20}  {:<9}  {:>3}  {:>9}  {}\n", v.version, v.created_at, v.as_of, v.algorithm,
                         v.k, v.customers, v.version == used ? (*pinned ? "pinned" : "latest") : "");
  }
  if (shell.json) shell.print_json({{"store", store::redact_location(a.store)}, {"pinned", *pinned ? nlohmann::json(**pinned) : nullptr},
                                    {"versions", list}});
  else std::cout << table;
  return 0;
}

int pin(Shell& shell, const ModelsArgs& a, bool on) {
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  const Status s = (*st)->pin_version(on ? std::optional<std::int64_t>(a.version) : std::nullopt);
  if (!s.ok()) return shell.fail(s);
  const Context ctx = shell.context();
  if (on) ctx.log().info("kohort assign now uses version {} until unpinned", a.version);
  else ctx.log().info("kohort assign now uses the latest version");
  if (shell.json) shell.print_json({{"store", store::redact_location(a.store)}, {"pinned", on ? nlohmann::json(a.version) : nullptr}});
  return 0;
}

}  // namespace

void add_models_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ModelsArgs>();
  CLI::App* cmd = app.add_subcommand("models", "The published model versions, and which one kohort assign uses: the "
                                               "pinned one, else the latest.\nExample: kohort models list --store kohort.db");
  cmd->require_subcommand(1);
  const auto store_option = [&](CLI::App* sub) {
    sub->add_option("--store", a->store, "the store: a SQLite file or a postgresql:// URL\nexample: --store kohort.db");
    add_common_flags(sub, shell);
  };
  CLI::App* list = cmd->add_subcommand("list", "every version with its date, algorithm, k and customers");
  store_option(list);
  list->callback([&shell, a] { shell.exit_code = list_models(shell, *a); });
  CLI::App* pin_cmd = cmd->add_subcommand("pin", "make kohort assign use version N (a rollback is a pin of an earlier one)");
  pin_cmd->add_option("version", a->version, "the version\nexample: 3")->required()->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  store_option(pin_cmd);
  pin_cmd->callback([&shell, a] { shell.exit_code = pin(shell, *a, true); });
  CLI::App* unpin = cmd->add_subcommand("unpin", "make kohort assign use the latest version again");
  store_option(unpin);
  unpin->callback([&shell, a] { shell.exit_code = pin(shell, *a, false); });
}

}  // namespace kohort::app
