// A webhook receiver for the tests: a real HTTP/1.1 server (Boost.Beast) on 127.0.0.1 that checks
// each request's signature as a customer's endpoint would, keeps the events it took once by id,
// and can misbehave on purpose: fail every Nth request, drop the first connections, or answer
// every request with one status.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kohort::testing {

struct ReceiverOptions {
  std::string secret;       ///< the HMAC-SHA256 key signatures must verify under
  unsigned short port = 0;  ///< the port to listen on (0: any free one)
  int fail_every = 0;       ///< every Nth request fails with 500 (the 1st, 3rd, … of them after taking the events)
  int down_first = 0;       ///< the first N connections are closed without an answer (the receiver is "down")
  int status = 0;           ///< answer every request with this status (0: behave)
  double max_age_s = 300;   ///< a signature older than this is refused (401)
  std::function<void(const std::string&)> on_taken;  ///< called with each event id taken the first time
};

class Receiver {
 public:
  explicit Receiver(ReceiverOptions options);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/kohort"; }
  /// Event ids taken, each once, in arrival order.
  std::vector<std::string> taken() const;
  std::int64_t requests() const { return requests_; }
  std::int64_t duplicates() const { return duplicates_; }       ///< events received again after being taken
  std::int64_t bad_signatures() const { return bad_signatures_; }
  void stop();

 private:
  struct Impl;
  void serve(std::shared_ptr<void> socket);
  int answer(const std::string& signature, const std::string& body);

  ReceiverOptions o_;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> requests_{0}, duplicates_{0}, bad_signatures_{0}, connections_{0};
  mutable std::mutex mu_;
  std::set<std::string> seen_;
  std::vector<std::string> taken_;
  std::thread acceptor_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace kohort::testing
