// kohort redeliver --store S --webhook-secret-file F [--webhook URL] — post the webhook events
// in the dead-letter table again (deliver/deliver.h), with their ids, and drop those delivered.
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>

#include "kohort/core/secrets.h"
#include "kohort/deliver/deliver.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct RedeliverArgs {
  std::string store = "kohort.db";
  WebhookArgs webhook;
};

int run_redeliver(Shell& shell, RedeliverArgs& a) {
  const Context ctx = shell.context();
  if (a.webhook.wanted())  // a usage error is one before the store is touched
    if (Status s = deliver::check_webhook_url(a.webhook.url, "--webhook"); !s.ok()) return shell.usage_error(s);
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  auto lock = (*st)->lock_runs("kohort redeliver");  // not beside an assignment day's own delivery
  if (!lock.ok()) return shell.fail(lock.status());
  std::set<std::string> urls;
  if (a.webhook.wanted()) {
    urls.insert(a.webhook.url);
  } else {
    auto all = (*st)->dead_letters("");
    if (!all.ok()) return shell.fail(all.status());
    for (const auto& d : *all) urls.insert(d.destination);
  }
  nlohmann::json out = nlohmann::json::array();
  std::int64_t left = 0;
  for (const std::string& url : urls) {
    auto o = a.webhook.resolve(url);
    if (!o.ok()) return o.status().code() == Code::invalid_argument ? shell.usage_error(o.status()) : shell.fail(o.status());
    auto d = deliver::redeliver(ctx, **st, *o);
    if (!d.ok()) return shell.fail(d.status());
    log_delivery(ctx, url, *d, a.store);
    out.push_back(delivery_json(url, *d));
    left += d->dead_letters;
  }
  if (urls.empty()) ctx.log().info("the dead-letter table of {} is empty", redact_url(a.store));
  if (shell.json) shell.print_json({{"destinations", out}, {"dead_letters", left}});
  return left == 0 ? 0 : 3;
}

}  // namespace

void add_redeliver_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<RedeliverArgs>();
  CLI::App* cmd = app.add_subcommand(
      "redeliver",
      "Post the webhook events in the dead-letter table again, with the same ids (a receiver drops what it already "
      "has), signed with the secret; those delivered leave the table.\n"
      "Example: kohort redeliver --store kohort.db --webhook-secret-file crm.secret");
  cmd->add_option("--store", a->store, "the store: a SQLite file or a postgresql:// URL\nexample: --store kohort.db");
  a->webhook.add_to(cmd, "only the dead letters of this receiver (default: every receiver's, all signed with the one secret)");
  cmd->get_option("--webhook-secret-file")->required();
  add_common_flags(cmd, shell);
  cmd->footer("Exit codes: 0 the table is empty, 1 bad input or store, 2 bad usage, 3 events are still undelivered.");
  cmd->callback([&shell, a] { shell.exit_code = run_redeliver(shell, *a); });
}

}  // namespace kohort::app
