// bench/io_throughput.cpp — CSV load throughput of kohort::io::load_dataset.
//   io_throughput gen FILE ROWS     writes a simulator-shaped transactions.csv (seeded)
//   io_throughput run PATH THREADS [WINDOW_MIB]  loads it (text held WINDOW_MIB at a time,
//                                   default ReadOptions::window_bytes); prints MB/s, rows/s
//                                   and peak RSS
//   io_throughput scan FILE         the record scanner alone, one thread
// Built by bench/io_throughput.sh (not part of the default build).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/format.h>

#include "kohort/core/atomic_file.h"
#include "kohort/io/dataset.h"
#include "kohort/io/internal/csv_scan.h"

namespace {

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

int gen(const std::string& file, long rows) {
  std::mt19937_64 rng(42);
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) return 1;
  std::fputs("customer_id,order_id,timestamp,amount,quantity,product_id,category,channel,"
             "payment_method,discount,returned\n", f);
  const char* cats[] = {"books", "toys", "electronics", "garden", "beauty", "grocery"};
  const char* chans[] = {"web", "app", "store"};
  const char* pays[] = {"card", "paypal", "cash", "voucher"};
  std::string line;
  for (long i = 0; i < rows; ++i) {
    const auto c = rng() % 200000;
    const auto day = rng() % 1095;
    const auto sec = rng() % 86400;
    const long y = 2022 + static_cast<long>(day / 365), doy = static_cast<long>(day % 365);
    const long m = 1 + doy / 31 % 12, d = 1 + doy % 28;
    line = fmt::format("C{:06d},O{:08d},{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z,{}.{:02d},{},P{:05d},{},{},{},0.{:02d},{}\n",
                       c, i / 3, y, m, d, sec / 3600, sec / 60 % 60, sec % 60, rng() % 300,
                       rng() % 100, 1 + rng() % 4, rng() % 20000, cats[rng() % 6],
                       chans[rng() % 3], pays[rng() % 4], rng() % 40, rng() % 20 == 0 ? 1 : 0);
    std::fputs(line.c_str(), f);
  }
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: io_throughput gen FILE ROWS | run PATH THREADS [WINDOW_MIB] | "
                         "scan FILE\n");
    return 2;
  }
  const std::string mode = argv[1], path = argv[2];
  if (mode == "gen") return gen(path, argc > 3 ? std::atol(argv[3]) : 2500000);
  const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  if (mode == "scan") {
    std::string buf;
    if (!kohort::read_file(path, buf).ok()) return 1;
    const auto t0 = std::chrono::steady_clock::now();
    kohort::io::internal::RecordReader rr(buf, 0, buf.size(), 1, ',');
    long n = 0, fields = 0;
    while (rr.next() == kohort::io::internal::RecordReader::Next::record) {
      ++n;
      fields += static_cast<long>(rr.fields().size());
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("scan: %.1f MB in %.3f s = %.0f MB/s, %ld records, %ld fields\n", mb, s, mb / s, n,
                fields);
    return 0;
  }
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  kohort::io::ReadOptions o;
  if (argc > 4) o.window_bytes = static_cast<std::size_t>(std::atol(argv[4])) << 20;
  const auto t0 = std::chrono::steady_clock::now();
  auto ds = kohort::io::load_dataset(kohort::Context(threads, 1), path, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!ds.ok()) {
    std::fprintf(stderr, "%s\n", ds.status().message().c_str());
    return 1;
  }
  const auto rows = ds->reports[0].rows_accepted;
  std::printf("load: %.1f MB, %lld rows, %d thread(s): %.3f s = %.0f MB/s, %.2f M rows/s; "
              "customers %lld; window %zu MiB; peak RSS %.0f MB\n",
              mb, static_cast<long long>(rows), threads, s, mb / s,
              static_cast<double>(rows) / s / 1e6,
              static_cast<long long>(ds->log.customers()), o.window_bytes >> 20, peak_rss_mb());
  return 0;
}
