#include "deliver/receiver.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace kohort::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct Receiver::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
};

namespace {

std::string hmac_hex(const std::string& key, const std::string& text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac,
       &len);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    hex += two;
  }
  return hex;
}

// "t=<ts>,v1=<hex>" verified against the body, in constant time, and not older than max_age_s.
bool verified(const std::string& header, const std::string& body, const std::string& secret, double max_age_s) {
  const auto comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const std::string ts = header.substr(2, comma - 2), got = header.substr(comma + 4);
  const std::string want = hmac_hex(secret, ts + "." + body);
  if (got.size() != want.size() || CRYPTO_memcmp(got.data(), want.data(), want.size()) != 0) return false;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return std::abs(static_cast<double>(now - std::atoll(ts.c_str()))) <= max_age_s;
}

}  // namespace

Receiver::Receiver(ReceiverOptions options) : o_(std::move(options)), impl_(std::make_unique<Impl>()) {
  tcp::endpoint at(asio::ip::make_address("127.0.0.1"), o_.port);
  impl_->acceptor.open(at.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(at);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  acceptor_thread_ = std::thread([this] {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(impl_->io);
      boost::system::error_code ec;
      impl_->acceptor.accept(*socket, ec);
      if (stopping_) return;
      if (ec) continue;
      if (connections_++ < o_.down_first) {
        socket->close(ec);
        continue;
      }
      std::lock_guard lock(impl_->mu);
      impl_->sockets.push_back(socket);
      workers_.emplace_back([this, socket] { serve(socket); });
    }
  });
}

Receiver::~Receiver() { stop(); }

void Receiver::stop() {
  if (stopping_.exchange(true)) return;
  boost::system::error_code ec;
  {  // wake the blocking accept
    tcp::socket poke(impl_->io);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  }
  if (acceptor_thread_.joinable()) acceptor_thread_.join();
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
  }
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

std::vector<std::string> Receiver::taken() const {
  std::lock_guard lock(mu_);
  return taken_;
}

int Receiver::answer(const std::string& signature, const std::string& body) {
  const std::int64_t n = ++requests_;
  if (o_.status != 0) return o_.status;
  if (!verified(signature, body, o_.secret, o_.max_age_s)) {
    ++bad_signatures_;
    return 401;
  }
  const bool fail = o_.fail_every > 0 && n % o_.fail_every == 0;
  const bool fail_after_taking = fail && (n / o_.fail_every) % 2 == 1;
  if (fail && !fail_after_taking) return 500;
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("events") || !doc["events"].is_array()) return 400;
  for (const auto& e : doc["events"]) {
    const std::string id = e.value("id", "");
    if (id.empty()) return 400;
    std::lock_guard lock(mu_);
    if (!seen_.insert(id).second) {
      ++duplicates_;
      continue;
    }
    taken_.push_back(id);
    if (o_.on_taken) o_.on_taken(id);
  }
  return fail_after_taking ? 500 : 200;
}

void Receiver::serve(std::shared_ptr<void> handle) {
  auto& socket = *std::static_pointer_cast<tcp::socket>(handle);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec) return;
    const int status = req.method() == http::verb::post ? answer(std::string(req["Kohort-Signature"]), req.body()) : 405;
    http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
    res.set(http::field::content_type, "text/plain");
    res.body() = status == 200 ? "ok" : "refused";
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !req.keep_alive()) return;
  }
}

}  // namespace kohort::testing
