// kohort forget --store S ID… — erase customers on request: their assignments in every
// version, their standing and smoothing state, their transitions, their webhook dead letters
// (Store::forget()); later
// runs leave them out until they are seen again (model/forget.h).
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kohort/core/text.h"
#include "kohort/store/store.h"
#include "shell.h"

namespace kohort::app {

namespace {

struct ForgetArgs {
  std::string store = "kohort.db";
  std::vector<std::string> ids;
  std::string from;  // a file of ids, one per line
};

// The ids of --from: one per line, surrounding blanks and a trailing CR dropped, blank lines
// skipped; a line that is not UTF-8 read as Windows-1252, as every data file is.
Result<std::vector<std::string>> read_ids(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::io_error(printable(path, 0), "cannot read the file of ids", "pass a readable file, one id per line");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r"), last = line.find_last_not_of(" \t\r");
    if (first != std::string::npos) ids.push_back(to_utf8(line.substr(first, last - first + 1)));
  }
  if (in.bad()) return Status::io_error(printable(path, 0), "reading the file of ids failed", "check the file and retry");
  return ids;
}

int run_forget(Shell& shell, ForgetArgs& a) {
  std::vector<std::string> ids = a.ids;
  if (!a.from.empty()) {
    auto more = read_ids(a.from);
    if (!more.ok()) return shell.fail(more.status());
    ids.insert(ids.end(), more->begin(), more->end());
  }
  if (ids.empty())
    return shell.usage_error(Status::invalid_argument("ID", "no customer ids given", "pass the ids to erase, or --from FILE"));
  auto st = open_existing_store(a.store);
  if (!st.ok()) return shell.fail(st.status());
  auto lock = (*st)->lock_runs("kohort forget");  // not in the middle of an assignment day
  if (!lock.ok()) return shell.fail(lock.status());
  auto done = (*st)->forget(ids);
  if (!done.ok()) return shell.fail(done.status());
  shell.context().log().info("forgot {} customers: {} assignment rows, {} standing rows, {} transitions and {} dead letters "
                             "erased; later runs leave them out until they are seen again",
                             ids.size(), done->assignment_rows, done->standing_rows, done->transition_rows,
                             done->dead_letter_rows);
  if (shell.json)
    shell.print_json({{"customers", ids.size()},
                      {"assignment_rows", done->assignment_rows},
                      {"standing_rows", done->standing_rows},
                      {"transition_rows", done->transition_rows},
                      {"dead_letter_rows", done->dead_letter_rows}});
  return 0;
}

}  // namespace

void add_forget_command(CLI::App& app, Shell& shell) {
  auto a = std::make_shared<ForgetArgs>();
  CLI::App* cmd = app.add_subcommand(
      "forget",
      "Erase customers on request (right to erasure): their assignments in every version, their standing and "
      "smoothing state, their transitions, their webhook dead letters. The store keeps only a SHA-256 of each id, so that later fits, "
      "assignment days and monitor runs leave them out until they are seen again (a purchase, session, support "
      "contact or email engagement after today).\nExample: kohort forget --store kohort.db C0001234 C0005678");
  cmd->add_option("ids", a->ids, "the customer ids to erase, as in the data\nexample: C0001234");
  cmd->add_option("--from", a->from, "a file of customer ids to erase, one per line\nexample: --from erasure-requests.txt");
  cmd->add_option("--store", a->store, "the store: a SQLite file or a postgresql:// URL\nexample: --store kohort.db");
  add_common_flags(cmd, shell);
  cmd->callback([&shell, a] { shell.exit_code = run_forget(shell, *a); });
}

}  // namespace kohort::app
