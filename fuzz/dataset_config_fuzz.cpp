// fuzz/dataset_config_fuzz.cpp — kohort.toml on arbitrary bytes: parsed, or refused with a
// Status; and when it parses, the dataset load that applies it (to a small valid
// transactions.csv beside it) ends in a result or a Status too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "kohort/core/context.h"
#include "kohort/io/dataset.h"
#include "kohort/io/internal/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kohort::fuzz::clear_scratch();
  const std::string path = kohort::fuzz::write_file(
      "kohort.toml", std::string_view(reinterpret_cast<const char*>(data), size));
  auto cfg = kohort::io::internal::read_dataset_config(path);
  if (!cfg.ok()) return 0;
  kohort::fuzz::write_file("transactions.csv",
                           "customer_id,timestamp,amount,order_id\nc1,2024-01-02,3.5,o1\n"
                           "c2,2024-01-03T10:00:00Z,7,o2\n");
  kohort::fuzz::write_file("orders.csv", "Kunde;Datum;Betrag\nk1;02/01/2024;4,5\n");
  auto ds = kohort::io::load_dataset(kohort::Context().with_threads(1),
                                     kohort::fuzz::scratch_dir().string(), {});
  (void)ds;
  return 0;
}
