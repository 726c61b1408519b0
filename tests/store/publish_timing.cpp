// Times publishing and reading back N assignments on a store (not a test: it asserts nothing
// about time). Usage: kohort_store_publish_timing LOCATION [N]
// Publishes two versions of N customers over 8 segments (the second moves every third
// customer), then reads the second back, printing wall times.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kohort/store/store.h"
#include "store/store_test_util.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LOCATION [N]\n", argv[0]);
    return 2;
  }
  const std::string location = argv[1];
  const std::int64_t n = argc > 2 ? std::atoll(argv[2]) : 1000000;
  using kohort::store::testing::make_request;
  const auto first = make_request(n, 8, "2024-01-31", 0, 1);
  auto second = make_request(n, 8, "2024-02-29", 0, 2);
  for (std::size_t i = 0; i < second.assignments.size(); i += 3)
    second.assignments[i].segment = (second.assignments[i].segment + 1) % 8;

  auto t0 = std::chrono::steady_clock::now();
  auto store = kohort::store::Store::open(location);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  std::printf("open+migrate %.3f s\n", seconds_since(t0));
  const kohort::store::PublishRequest* requests[] = {&first, &second};
  for (const auto* request : requests) {
    t0 = std::chrono::steady_clock::now();
    auto v = (*store)->publish(*request);
    if (!v) {
      std::fprintf(stderr, "%s\n", v.status().message().c_str());
      return 1;
    }
    std::printf("publish v%lld (%lld assignments) %.3f s\n", static_cast<long long>(*v),
                static_cast<long long>(n), seconds_since(t0));
  }
  t0 = std::chrono::steady_clock::now();
  auto latest = (*store)->latest();
  auto rows = (*store)->assignments((*latest)->version);
  if (!rows) {
    std::fprintf(stderr, "%s\n", rows.status().message().c_str());
    return 1;
  }
  std::printf("read back %zu assignments %.3f s\n", rows->size(), seconds_since(t0));
  return 0;
}
