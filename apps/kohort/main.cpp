// kohort — customer segmentation from raw event logs. One subcommand per cmd_<name>.cpp.
#include <malloc.h>

#include <csignal>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "shell.h"

namespace {
kohort::app::Shell* g_shell = nullptr;
extern "C" void on_interrupt(int) {
  if (g_shell != nullptr) g_shell->cancel.store(true);
}
}  // namespace

int main(int argc, char** argv) {
  // Reading allocates and frees column buffers of tens of megabytes window after window: keep
  // freed memory for reuse instead of returning it to the system and faulting it back in.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  kohort::app::Shell shell;
  g_shell = &shell;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  CLI::App app{"kohort: customer segments from raw event logs, right, fast and explained"};
  app.require_subcommand(1);
  // Every option keeps its default as text, for the run's record of its options.
  app.option_defaults()->always_capture_default();
  app.set_version_flag("--version", "kohort " KOHORT_VERSION);
  app.footer("Run `kohort <command> --help` for the options of a command.\n"
             "Exit codes: 0 done, 1 bad input or data, 2 bad usage, 3 done but a person must look "
             "(an assignment alarm held a day back).");

  kohort::app::add_cluster_command(app, shell);
  kohort::app::add_check_command(app, shell);
  kohort::app::add_simulate_command(app, shell);
  kohort::app::add_features_command(app, shell);
  kohort::app::add_clv_command(app, shell);
  kohort::app::add_fit_command(app, shell);
  kohort::app::add_report_command(app, shell);
  kohort::app::add_demo_command(app, shell);
  kohort::app::add_assign_command(app, shell);
  kohort::app::add_monitor_command(app, shell);
  kohort::app::add_forget_command(app, shell);
  kohort::app::add_export_command(app, shell);
  kohort::app::add_models_command(app, shell);
  kohort::app::add_segments_command(app, shell);
  kohort::app::add_redeliver_command(app, shell);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    kohort::app::suggest_spelling(app);
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\nhint: use fewer rows or a machine with more memory\n";
    return 1;
  }
  return shell.exit_code;
}
