// fuzz/csv_reader_fuzz.cpp — the event readers (CSV/TSV and JSON Lines, plain, gzip or zstd
// framing checked) on arbitrary bytes: every input either loads or fails with a Status, and
// the outcome does not depend on the read window (ReadOptions::window_bytes promises identical
// results, errors and rejects for any window): a 64-byte window and the default one must agree
// on the error, or on every stream's row counts.
// The first byte picks the file name, so one corpus reaches every format:
//   0 transactions.csv   1 transactions.tsv   2 transactions.jsonl   3 sessions.csv
//   4 customers.csv      5 transactions.csv.gz 6 transactions.csv.zst 7 emails.csv
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_util.h"
#include "kohort/core/context.h"
#include "kohort/io/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const char* const kNames[] = {"transactions.csv", "transactions.tsv", "transactions.jsonl",
                                       "sessions.csv",     "customers.csv",    "transactions.csv.gz",
                                       "transactions.csv.zst", "emails.csv"};
  const std::string name = kNames[data[0] % 8];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  kohort::fuzz::clear_scratch();
  kohort::fuzz::write_file(name, body);
  // Streams other than transactions need a transactions file beside them.
  if (name.rfind("transactions", 0) != 0)
    kohort::fuzz::write_file("transactions.csv", "customer_id,timestamp,amount\nc1,2024-01-02,3.5\n");
  const kohort::Context ctx = kohort::Context().with_threads(1);
  for (const auto on_error : {kohort::io::OnError::fail, kohort::io::OnError::skip}) {
    std::string outcome[2];
    for (int w = 0; w < 2; ++w) {
      kohort::io::ReadOptions o;
      o.on_error = on_error;
      if (w == 0) o.window_bytes = 64;  // rows and quotes straddle window boundaries
      auto ds = kohort::io::load_dataset(ctx, kohort::fuzz::scratch_dir().string(), o);
      if (!ds.ok()) {
        outcome[w] = "error " + ds.status().message();
        continue;
      }
      for (const auto& r : ds->reports)
        outcome[w] += r.stream + " " + std::to_string(r.rows_read) + " " + std::to_string(r.rows_accepted) +
                      " " + std::to_string(r.rows_rejected) + "; ";
      outcome[w] += std::to_string(ds->log.customers()) + " customers";
    }
    if (outcome[0] != outcome[1]) {
      std::fprintf(stderr, "window 64: %s\ndefault window: %s\n", outcome[0].c_str(), outcome[1].c_str());
      __builtin_trap();
    }
  }
  return 0;
}
