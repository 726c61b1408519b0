// Locations that cannot be a store, and the messages that say so; password redaction; the
// request checks and the `since` merge without a database.
#include "kohort/store/store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "kohort/core/hash.h"
#include "kohort/store/internal/location.h"
#include "kohort/store/internal/publish_plan.h"
#include "store/store_test_util.h"

namespace kohort::store {
namespace {

using testing::SqliteBackend;

TEST(StoreLocation, RedactsPasswords) {
  EXPECT_EQ(redact_location("postgresql://kohort:s3cret@db.example:5432/segments"),
            "postgresql://kohort:***@db.example:5432/segments");
  EXPECT_EQ(redact_location("postgres://kohort@db/segments?password=s3cret&sslmode=require"),
            "postgres://kohort@db/segments?password=***&sslmode=require");
  EXPECT_EQ(redact_location("postgresql://u:p%40ss@h/db?x=1&password=abc"),
            "postgresql://u:***@h/db?x=1&password=***");
  EXPECT_EQ(redact_location("postgresql:///db?host=/tmp/sock&port=5"),
            "postgresql:///db?host=/tmp/sock&port=5");
  EXPECT_EQ(redact_location("/var/lib/kohort/store.db"), "/var/lib/kohort/store.db");
  EXPECT_TRUE(internal::is_postgres_url("PostgreSQL://h/db"));
  EXPECT_TRUE(internal::is_postgres_url("postgres://h/db"));
  EXPECT_FALSE(internal::is_postgres_url("postgres.db"));
}

TEST(StoreOpen, EmptyLocationIsAnInvalidArgument) {
  auto s = Store::open("");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::invalid_argument);
  EXPECT_EQ(s.status().what(), "the store location is empty");
}

TEST(SqliteStore, UsesWalMode) {
  SqliteBackend b;
  { ASSERT_TRUE(Store::open(b.location()).ok()); }
  EXPECT_EQ(b.query_one("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStore, AFileThatIsNotSqliteFailsClearly) {
  SqliteBackend b;
  std::ofstream(b.location()) << "customer_id,segment\nc1,0\n" << std::string(200, 'x') << "\n";
  auto s = Store::open(b.location());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::invalid_argument);
  EXPECT_EQ(s.status().where(), b.location());
  EXPECT_EQ(s.status().what(), "the file is not a SQLite database");
  EXPECT_EQ(s.status().hint(),
            "give the path of a kohort store, or a new file name to create one");
}

TEST(SqliteStore, ASqliteDatabaseThatIsNotAStoreIsLeftAlone) {
  SqliteBackend b;
  b.exec("CREATE TABLE orders (id INTEGER, amount REAL)");
  auto s = Store::open(b.location());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::invalid_argument);
  EXPECT_EQ(s.status().what(),
            "the file is a SQLite database but not a kohort store (it has no schema_migrations "
            "table)");
  EXPECT_EQ(b.query_one("SELECT count(*) FROM sqlite_schema"), "1");
}

TEST(SqliteStore, AMissingDirectoryIsNamed) {
  SqliteBackend b;
  const std::string path = (b.dir() / "no" / "such" / "store.db").string();
  auto s = Store::open(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::not_found);
  EXPECT_EQ(s.status().what(),
            "the store's directory '" + (b.dir() / "no" / "such").string() + "' does not exist");
  EXPECT_EQ(s.status().hint(), "create the directory first, or choose another store path");
}

TEST(SqliteStore, ADirectoryIsNotAStoreFile) {
  SqliteBackend b;
  auto s = Store::open(b.dir().string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::invalid_argument);
  EXPECT_EQ(s.status().what(), "the store path is a directory");
}

TEST(SqliteStore, AReadOnlyDirectoryFailsClearly) {
  SqliteBackend b;
  const std::filesystem::path ro = b.dir() / "ro";
  std::filesystem::create_directory(ro);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::owner_exec |
                                       std::filesystem::perms::group_read |
                                       std::filesystem::perms::group_exec |
                                       std::filesystem::perms::others_read |
                                       std::filesystem::perms::others_exec);
  const std::string path = (ro / "store.db").string();
  // Root writes anywhere: check as an unprivileged user in a child process.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    auto s = Store::open(path);
    const std::string text =
        s.ok() ? "ok" : std::string(code_name(s.status().code())) + "\n" + s.status().what() +
                            "\n" + s.status().hint();
    if (::write(fds[1], text.data(), text.size()) < 0) ::_exit(4);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  EXPECT_EQ(got, "io_error\ncannot write in the store's directory '" + ro.string() +
                     "': Permission denied\nmake the directory writable, or choose another "
                     "store path");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PostgresStore, AnUnreachableServerFailsClearlyWithoutThePassword) {
#if KOHORT_WITH_POSTGRES
  // Port 1 on the loopback: nothing listens there, the connection is refused at once.
  const std::string url = "postgresql://kohort:s3cret@127.0.0.1:1/segments?connect_timeout=5";
  auto s = Store::open(url);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::io_error);
  EXPECT_EQ(s.status().where(), "postgresql://kohort:***@127.0.0.1:1/segments?connect_timeout=5");
  EXPECT_EQ(s.status().what().rfind("cannot connect to postgresql://kohort:***@127.0.0.1:1/"
                                    "segments?connect_timeout=5: ",
                                    0),
            0u)
      << s.status().what();
  EXPECT_NE(s.status().what().find("Connection refused"), std::string::npos) << s.status().what();
  EXPECT_EQ(s.status().hint().rfind("is the server running", 0), 0u);
  EXPECT_EQ(s.status().message().find("s3cret"), std::string::npos);
#else
  auto s = Store::open("postgresql://kohort:s3cret@127.0.0.1:1/segments");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::unsupported);
  EXPECT_EQ(s.status().message().find("s3cret"), std::string::npos);
#endif
}

#if KOHORT_WITH_POSTGRES
TEST(PostgresStore, AMalformedUrlIsAnInvalidArgument) {
  auto s = Store::open("postgresql://kohort:s3cret@db/segments?no_such_option=1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::invalid_argument);
  EXPECT_EQ(s.status().what(),
            "malformed PostgreSQL URL: invalid URI query parameter: \"no_such_option\"");
  EXPECT_EQ(s.status().where(), "postgresql://kohort:***@db/segments?no_such_option=1");
}
#endif

#if KOHORT_WITH_POSTGRES
TEST(PostgresStore, MalformedUrlsAreRefusedWithoutThePassword) {
  for (const char* url : {"postgresql://kohort:S3cr%zzPW@127.0.0.1:1/segments",
                          "postgresql://kohort:S3c/retPW@127.0.0.1:1/segments",
                          "postgresql://kohort:S3c@retPW@127.0.0.1:1/segments",
                          "postgresql://kohort:S3cretPW@[::1/segments",
                          "POSTGRESQL://kohort:S3cretPW@127.0.0.1:1/segments?connect_timeout=5"}) {
    auto s = Store::open(url);
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_EQ(s.status().message().find("S3c"), std::string::npos) << s.status().message();
    EXPECT_EQ(s.status().json().find("S3c"), std::string::npos) << s.status().json();
  }
  // The upper-case scheme is read as a URL (libpq would echo a key=value string whole).
  const auto upper = Store::open("POSTGRESQL://kohort:S3cretPW@127.0.0.1:1/segments?connect_timeout=5");
  EXPECT_EQ(upper.status().code(), Code::io_error);
  EXPECT_NE(upper.status().what().find("Connection refused"), std::string::npos) << upper.status().what();
}
#endif

TEST(PublishPlan, SortsChecksAndFingerprints) {
  PublishRequest r = testing::make_request(5, 2, "2024-01-31T10:00:00+02:00");
  std::reverse(r.assignments.begin(), r.assignments.end());
  r.model_json = "abc";  // not JSON
  auto bad = internal::plan_publish("s.db", r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().what(), "model_json is not valid JSON");
  r.model_json = "{}";
  auto plan = internal::plan_publish("s.db", r);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->as_of, "2024-01-31T08:00:00Z");
  ASSERT_EQ(plan->sorted.size(), 5u);
  EXPECT_EQ(plan->sorted.front()->customer_id, "c0000000");
  EXPECT_EQ(plan->sorted.back()->customer_id, "c0000004");
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  EXPECT_EQ(kohort::sha256_fingerprint("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PublishPlan, TextMustBeUtf8WithoutNul) {
  EXPECT_TRUE(internal::valid_text(""));
  EXPECT_TRUE(internal::valid_text("plain ascii"));
  EXPECT_TRUE(internal::valid_text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_TRUE(internal::valid_text("\xf4\x8f\xbf\xbf"));                    // U+10FFFF
  EXPECT_FALSE(internal::valid_text(std::string("a\0b", 3)));
  EXPECT_FALSE(internal::valid_text("\xe9t\xe9"));          // Latin-1
  EXPECT_FALSE(internal::valid_text("\xc0\xaf"));           // overlong '/'
  EXPECT_FALSE(internal::valid_text("\xed\xa0\x80"));       // a surrogate
  EXPECT_FALSE(internal::valid_text("\xf4\x90\x80\x80"));   // above U+10FFFF
  EXPECT_FALSE(internal::valid_text("\xe2\x82"));           // truncated
  EXPECT_FALSE(internal::valid_text("\x80"));               // a lone continuation byte
  EXPECT_EQ(internal::to_valid_text("caf\xc3\xa9 \xe9t\xe9 \xe2\x82"), "caf\xc3\xa9 ?t? ??");
}

// The merge against a direct lookup, over previous/current sets that interleave.
TEST(PublishPlan, CarrySinceMatchesADirectLookup) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    PublishRequest r = testing::make_request(200, 3, "2024-03-01", trial, trial);
    // Drop a random third of the customers.
    std::vector<AssignmentRecord> kept;
    for (auto& a : r.assignments)
      if (rng() % 3 != 0) kept.push_back(a);
    r.assignments = kept;
    auto plan = internal::plan_publish("s.db", r);
    ASSERT_TRUE(plan.ok());
    internal::PreviousAssignments prev;
    std::map<std::string, std::pair<std::int32_t, std::int64_t>> naive;
    char id[32];
    for (int i = 0; i < 260; i += 1 + static_cast<int>(rng() % 2)) {
      std::snprintf(id, sizeof id, "c%07d", i);
      const auto seg = static_cast<std::int32_t>(rng() % 3);
      const std::int64_t since = 1700000000 + 86400 * static_cast<std::int64_t>(rng() % 4);
      prev.add(id, seg, since);
      naive[id] = {seg, since};
    }
    const auto since = internal::carry_since(*plan, prev);
    ASSERT_EQ(since.size(), plan->sorted.size());
    for (std::size_t i = 0; i < since.size(); ++i) {
      const auto& a = *plan->sorted[i];
      const auto it = naive.find(a.customer_id);
      const std::int64_t expected = it != naive.end() && it->second.first == a.segment
                                        ? it->second.second
                                        : plan->as_of_seconds;
      EXPECT_EQ(since[i], expected) << a.customer_id;
    }
    EXPECT_LE(prev.since_values.size(), 4u);
  }
}

}  // namespace
}  // namespace kohort::store
