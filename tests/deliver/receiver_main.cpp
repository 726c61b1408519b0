// kohort_test_receiver — the tests' webhook receiver (receiver.h) as a process, for the CLI cases:
//   kohort_test_receiver --port-file F --secret-file F [--port N] [--taken F] [--fail-every N]
//                        [--down-first N] [--status S] [--lifetime SECONDS]
// Writes its port to --port-file once listening, appends each event id it takes (once) to
// --taken, and exits on SIGTERM or after --lifetime seconds (default 120).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "deliver/receiver.h"

namespace {
volatile std::sig_atomic_t stop = 0;
void on_signal(int) { stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  std::string port_file, secret_file, taken_file;
  kohort::testing::ReceiverOptions o;
  double lifetime = 120;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port-file") port_file = v;
    else if (k == "--secret-file") secret_file = v;
    else if (k == "--taken") taken_file = v;
    else if (k == "--port") o.port = static_cast<unsigned short>(std::atoi(v.c_str()));
    else if (k == "--fail-every") o.fail_every = std::atoi(v.c_str());
    else if (k == "--down-first") o.down_first = std::atoi(v.c_str());
    else if (k == "--status") o.status = std::atoi(v.c_str());
    else if (k == "--lifetime") lifetime = std::atof(v.c_str());
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  std::ifstream in(secret_file);
  std::stringstream secret;
  secret << in.rdbuf();
  o.secret = secret.str();
  while (!o.secret.empty() && (o.secret.back() == '\n' || o.secret.back() == '\r')) o.secret.pop_back();
  std::mutex mu;
  std::ofstream taken;
  if (!taken_file.empty()) taken.open(taken_file, std::ios::app);
  o.on_taken = [&](const std::string& id) {
    std::lock_guard lock(mu);
    if (taken) taken << id << "\n" << std::flush;
  };
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  kohort::testing::Receiver receiver(o);
  {
    std::ofstream(port_file + ".tmp") << receiver.port() << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  for (double waited = 0; !stop && waited < lifetime; waited += 0.05) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  receiver.stop();
  std::cerr << "receiver: " << receiver.requests() << " requests, " << receiver.taken().size() << " events taken, "
            << receiver.duplicates() << " duplicates dropped, " << receiver.bad_signatures() << " bad signatures\n";
  return 0;
}
