// Fingerprints: SHA-256 against FIPS 180-2's example, and file fingerprints that notice a
// change at either end or in the size, and fail clearly on a missing file.
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kohort/core/hash.h"

namespace kohort {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

TEST(Hash, Sha256OfAbcIsTheStandardsExample) {
  EXPECT_EQ(sha256_fingerprint("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, FileFingerprintsSeeSizeAndBothEnds) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("kohort-hash-{}", ::getpid());
  fs::create_directories(dir);
  std::string big(3 << 20, 'x');
  write(dir / "a", big);
  const auto a = file_fingerprint((dir / "a").string());
  ASSERT_TRUE(a.ok());
  write(dir / "b", big);
  EXPECT_EQ(*file_fingerprint((dir / "b").string()), *a);  // same bytes, same fingerprint
  big.back() = 'y';
  write(dir / "b", big);
  EXPECT_NE(*file_fingerprint((dir / "b").string()), *a);  // last byte
  big.back() = 'x';
  big.front() = 'y';
  write(dir / "b", big);
  EXPECT_NE(*file_fingerprint((dir / "b").string()), *a);  // first byte
  write(dir / "b", big.substr(1));
  EXPECT_NE(*file_fingerprint((dir / "b").string()), *a);  // size
  write(dir / "small", "customer_id,amount\n1,2\n");
  EXPECT_EQ(*file_fingerprint((dir / "small").string()),
            sha256_fingerprint("23\ncustomer_id,amount\n1,2\n"));  // size, newline, whole file
  const auto missing = file_fingerprint((dir / "nothere").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::io_error);
  EXPECT_NE(missing.status().where().find("nothere"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kohort
