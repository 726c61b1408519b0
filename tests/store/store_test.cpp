// The store's contract on both backends: schema and migrations, publishing and reading back,
// `since`, runs, and requests that must leave nothing behind.
#include "kohort/store/store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kohort/store/internal/sqlite_store.h"
#include "store/store_test_util.h"
#if KOHORT_WITH_POSTGRES
#include "kohort/store/internal/postgres_store.h"
#endif

namespace kohort::store {
namespace {

using testing::make_request;
using testing::StoreTest;

// The schema this binary knows (4: migration 1 = versions, segments, assignments, history;
// migration 2 = runs; migration 3 = the options of each run; migration 4 = assignment days; migration 5 = settings and segment labels).
constexpr int kLatestSchema = 10;

AssignmentRecord assignment(std::string id, std::int32_t segment, float confidence) {
  return {std::move(id), segment, confidence, ""};
}

// Segments 0..k-1 with sizes and shares taken from the assignments.
void fill_segments(PublishRequest& r) {
  std::map<std::int32_t, std::int64_t> sizes;
  for (const auto& a : r.assignments)
    if (a.segment >= 0) ++sizes[a.segment];
  r.segments.clear();
  for (std::int32_t s = 0; s < r.k; ++s) {
    r.segments.push_back({s, "segment " + std::to_string(s), sizes[s],
                          static_cast<double>(sizes[s]) /
                              static_cast<double>(std::max<std::size_t>(1, r.assignments.size())),
                          "{\"s\":" + std::to_string(s) + "}"});
  }
}

TEST_P(StoreTest, FreshStoreHasTheLatestSchemaAndNoVersions) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(latest_schema_version(), kLatestSchema);
  auto schema = store->schema_version();
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(*schema, kLatestSchema);
  auto latest = store->latest();
  ASSERT_TRUE(latest.ok()) << latest.status().message();
  EXPECT_FALSE(latest->has_value());
  auto versions = store->versions();
  ASSERT_TRUE(versions.ok());
  EXPECT_TRUE(versions->empty());
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM schema_migrations"), std::to_string(kLatestSchema));
}

TEST_P(StoreTest, ReopeningIsIdempotent) {
  {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->publish(make_request(10, 2, "2024-01-31")).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = open_store();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->schema_version(), kLatestSchema);
    auto latest = store->latest();
    ASSERT_TRUE(latest.ok());
    ASSERT_TRUE(latest->has_value());
    EXPECT_EQ((*latest)->version, 1);
  }
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM schema_migrations"), std::to_string(kLatestSchema));
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM model_versions"), "1");
}

Result<std::unique_ptr<Store>> open_at_schema(const std::string& backend,
                                              const std::string& location, int schema) {
#if KOHORT_WITH_POSTGRES
  if (backend == "postgres") return internal::open_postgres_store(location, schema);
#endif
  (void)backend;
  return internal::open_sqlite_store(location, schema);
}

TEST_P(StoreTest, OpeningAnOlderSchemaUpgradesIt) {
  {
    auto old = open_at_schema(GetParam(), backend_->location(), 1);
    ASSERT_TRUE(old.ok()) << old.status().message();
    EXPECT_EQ(*(*old)->schema_version(), 1);
    // Schema 1 has versions but no runs table yet.
    auto runs = (*old)->runs();
    EXPECT_FALSE(runs.ok());
  }
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM schema_migrations"), "1");
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->schema_version(), kLatestSchema);
  EXPECT_EQ(backend_->query_one("SELECT max(version) FROM schema_migrations"), std::to_string(kLatestSchema));
  auto runs = store->runs();
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  EXPECT_TRUE(runs->empty());
  auto v = store->publish(make_request(5, 2, "2024-01-31"));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, 1);
}

TEST_P(StoreTest, RunsOfASchema2StoreKeepTheirRecordWithEmptyOptions) {
  {
    auto old = open_at_schema(GetParam(), backend_->location(), 2);
    ASSERT_TRUE(old.ok()) << old.status().message();
  }
  // A run an older kohort recorded, before runs had options.
  backend_->exec("INSERT INTO runs (started_at, finished_at, status, command, metrics_json, error) VALUES (" +
                 backend_->now_sql() + ", " + backend_->now_sql() + ", 'failed', 'kohort fit old/', '{}', 'e')");
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto runs = store->runs();
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].options_json, "{}");
  EXPECT_EQ((*runs)[0].command, "kohort fit old/");
}

TEST_P(StoreTest, AStoreFromANewerKohortFailsClearly) {
  { ASSERT_NE(open_store(), nullptr); }
  backend_->exec("INSERT INTO schema_migrations (version, applied_at) VALUES (99, " +
                 backend_->now_sql() + ")");
  auto store = Store::open(backend_->location());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::corruption);
  EXPECT_EQ(store.status().what(),
            "the store's schema version 99 is newer than this kohort knows (" + std::to_string(kLatestSchema) + ")");
  EXPECT_EQ(store.status().hint(), "use a newer kohort with this store, or open another store");
  EXPECT_EQ(store.status().where(), redact_location(backend_->location()));
}

TEST_P(StoreTest, PublishesVersionsAndCarriesSinceForUnchangedSegments) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);

  // Ids that need care: COPY escapes (tab, newline, backslash), quotes, multi-byte UTF-8, and
  // byte order ("B" < "a" < "é").
  const std::string tab = "tab\there", nl = "new\nline", bs = "back\\slash";
  const std::string quote = "o'neil \"q\"", accent = "\xc3\xa9mile", upper = "Bob";

  PublishRequest r1;
  r1.model_json = "{\"format\":\"kohort-model\",\"k\":2,\"note\":\"v1\"}";
  r1.as_of = "2024-01-31";
  r1.kohort_version = "0.1.0";
  r1.algorithm = "kmeans";
  r1.k = 2;
  r1.command = "kohort fit shop/ --k 2";
  r1.run_metrics_json = "{\"silhouette\":0.61}";
  r1.run_started_at = "2024-02-01T06:00:00Z";
  r1.assignments = {assignment("alice", 0, 0.9f), assignment("bob", 1, 0.1f),
                    assignment(tab, 0, 1.0f / 3.0f), assignment(nl, 1, 0.0f),
                    assignment(bs, 0, 1.0f), assignment(quote, -1, 0.25f),
                    assignment(accent, 1, 0.7f), assignment(upper, 0, 0.5f),
                    assignment("carol", 1, 0.3f)};
  fill_segments(r1);
  auto v1 = store->publish(r1);
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(*v1, 1);

  // v2: alice and the tab id stay in 0, bob moves 1 → 0, carol leaves, dave arrives,
  // the accent id stays in 1, the quote id stays an outlier.
  PublishRequest r2 = r1;
  r2.model_json = "{\"format\":\"kohort-model\",\"k\":2,\"note\":\"v2\"}";
  r2.as_of = "2024-02-29T12:30:00+01:00";
  r2.run_started_at.clear();
  r2.assignments = {assignment("dave", 1, 0.8f),   assignment("bob", 0, 0.6f),
                    assignment("alice", 0, 0.95f), assignment(tab, 0, 0.5f),
                    assignment(nl, 0, 0.5f),       assignment(bs, 0, 0.75f),
                    assignment(quote, -1, 0.2f),   assignment(accent, 1, 0.71f),
                    assignment(upper, 1, 0.5f)};
  fill_segments(r2);
  auto v2 = store->publish(r2);
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(*v2, 2);

  // v3: carol returns to her old segment: she was absent from v2, so her since restarts.
  PublishRequest r3 = r2;
  r3.model_json = "{\"format\":\"kohort-model\",\"k\":2,\"note\":\"v3\"}";
  r3.as_of = "2024-03-31T00:00:00Z";
  r3.assignments = {assignment("alice", 0, 0.9f), assignment("carol", 1, 0.3f),
                    assignment("bob", 0, 0.6f)};
  fill_segments(r3);
  auto v3 = store->publish(r3);
  ASSERT_TRUE(v3.ok()) << v3.status().message();
  EXPECT_EQ(*v3, 3);

  auto versions = store->versions();
  ASSERT_TRUE(versions.ok()) << versions.status().message();
  ASSERT_EQ(versions->size(), 3u);
  const VersionInfo& i1 = (*versions)[0];
  EXPECT_EQ(i1.version, 1);
  EXPECT_EQ(i1.as_of, "2024-01-31T00:00:00Z");
  EXPECT_EQ(i1.kohort_version, "0.1.0");
  EXPECT_EQ(i1.algorithm, "kmeans");
  EXPECT_EQ(i1.k, 2);
  EXPECT_EQ(i1.customers, 9);
  // python3 -c 'import hashlib; print(hashlib.sha256(
  //   b"{\"format\":\"kohort-model\",\"k\":2,\"note\":\"v1\"}").hexdigest())'
  EXPECT_EQ(i1.fingerprint,
            "sha256:6b9812fdafd9c66e0edba7fb9c018f0d709c03bf3de9559c0d2eccd88c815900");
  EXPECT_EQ(i1.created_at.size(), 20u);
  EXPECT_EQ((*versions)[1].as_of, "2024-02-29T11:30:00Z");  // normalised to UTC
  EXPECT_EQ((*versions)[2].customers, 3);
  EXPECT_NE((*versions)[0].fingerprint, (*versions)[1].fingerprint);

  auto latest = store->latest();
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->version, 3);

  for (std::int64_t v = 1; v <= 3; ++v) {
    auto json = store->model_json(v);
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(*json, (v == 1 ? r1 : v == 2 ? r2 : r3).model_json);
  }

  auto segments = store->segments(2);
  ASSERT_TRUE(segments.ok()) << segments.status().message();
  ASSERT_EQ(segments->size(), 2u);
  EXPECT_EQ((*segments)[0].id, 0);
  EXPECT_EQ((*segments)[0].name, "segment 0");
  EXPECT_EQ((*segments)[0].size, 5);
  EXPECT_EQ((*segments)[0].share, 5.0 / 9.0);
  EXPECT_EQ((*segments)[0].profile_json, "{\"s\":0}");
  EXPECT_EQ((*segments)[1].size, 3);

  const std::string jan = "2024-01-31T00:00:00Z", feb = "2024-02-29T11:30:00Z",
                    mar = "2024-03-31T00:00:00Z";
  auto a1 = store->assignments(1);
  ASSERT_TRUE(a1.ok()) << a1.status().message();
  ASSERT_EQ(a1->size(), 9u);
  std::vector<std::string> ids;
  for (const auto& a : *a1) ids.push_back(a.customer_id);
  std::vector<std::string> sorted_ids = ids;
  std::sort(sorted_ids.begin(), sorted_ids.end());
  EXPECT_EQ(ids, sorted_ids);  // by bytes
  EXPECT_EQ(ids.front(), upper);
  EXPECT_EQ(ids.back(), accent);
  for (const auto& a : *a1) EXPECT_EQ(a.since, jan) << a.customer_id;

  auto a2 = store->assignments(2);
  ASSERT_TRUE(a2.ok());
  std::map<std::string, AssignmentRecord> by_id;
  for (const auto& a : *a2) by_id[a.customer_id] = a;
  ASSERT_EQ(by_id.size(), 9u);
  EXPECT_EQ(by_id.count("carol"), 0u);
  EXPECT_EQ(by_id["alice"].since, jan);
  EXPECT_EQ(by_id["alice"].confidence, 0.95f);
  EXPECT_EQ(by_id[tab].since, jan);
  EXPECT_EQ(by_id[tab].confidence, 0.5f);
  EXPECT_EQ(by_id["bob"].since, feb);  // moved 1 → 0
  EXPECT_EQ(by_id["bob"].segment, 0);
  EXPECT_EQ(by_id["dave"].since, feb);  // new
  EXPECT_EQ(by_id[nl].since, feb);      // moved 1 → 0
  EXPECT_EQ(by_id[bs].since, jan);
  EXPECT_EQ(by_id[quote].since, jan);  // an outlier both times
  EXPECT_EQ(by_id[quote].segment, -1);
  EXPECT_EQ(by_id[accent].since, jan);
  EXPECT_EQ(by_id[upper].since, feb);  // moved 0 → 1

  auto a3 = store->assignments(3);
  ASSERT_TRUE(a3.ok());
  ASSERT_EQ(a3->size(), 3u);
  EXPECT_EQ((*a3)[0].customer_id, "alice");
  EXPECT_EQ((*a3)[0].since, jan);
  EXPECT_EQ((*a3)[1].customer_id, "bob");
  EXPECT_EQ((*a3)[1].since, feb);
  EXPECT_EQ((*a3)[2].customer_id, "carol");
  EXPECT_EQ((*a3)[2].since, mar);  // absent from v2: not continuous

  // Confidences round-trip exactly (v1 has 1/3 in float).
  EXPECT_EQ((*a1)[std::find(ids.begin(), ids.end(), tab) - ids.begin()].confidence,
            1.0f / 3.0f);

  // The current assignments are the latest version's.
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignments"), "3");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignments WHERE version = 3"), "3");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignment_history"), "21");

  auto runs = store->runs();
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].status, "ok");
  EXPECT_EQ((*runs)[0].started_at, "2024-02-01T06:00:00Z");
  EXPECT_EQ((*runs)[0].command, "kohort fit shop/ --k 2");
  EXPECT_EQ((*runs)[0].metrics_json, "{\"silhouette\":0.61}");
  EXPECT_EQ((*runs)[0].error, "");
  EXPECT_EQ((*runs)[0].version, std::optional<std::int64_t>(1));
  EXPECT_EQ((*runs)[2].version, std::optional<std::int64_t>(3));
}

TEST_P(StoreTest, MissingVersionIsNotFound) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->publish(make_request(3, 1, "2024-01-31")).ok());
  for (const Status& s : {store->model_json(7).status(), store->segments(7).status(),
                          store->assignments(0).status()}) {
    EXPECT_EQ(s.code(), Code::not_found);
    EXPECT_EQ(s.hint(), "list the versions that exist with kohort models list");
  }
  EXPECT_EQ(store->model_json(7).status().what(), "model version 7 does not exist");
}

TEST_P(StoreTest, AModelDocumentChangedAfterPublishingIsCorruption) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->publish(make_request(3, 1, "2024-01-31")).ok());
  ASSERT_TRUE(store->model_json(1).ok());
  backend_->exec("UPDATE model_versions SET model_json = '[]' WHERE version = 1");
  const auto doc = store->model_json(1);
  EXPECT_EQ(doc.status().code(), Code::corruption);
  EXPECT_EQ(doc.status().where(), "model version 1");
  EXPECT_NE(doc.status().what().find("does not match its fingerprint"), std::string::npos);
}

TEST_P(StoreTest, FailedRunIsRecordedWithoutTouchingVersions) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->publish(make_request(4, 2, "2024-01-31")).ok());
  ASSERT_TRUE(store->record_failed_run({"kohort fit shop/ --k 50", "k 50 is larger than the 4 customers",
                                        "2024-02-01T10:00:00Z", R"({"k": "50"})"})
                  .ok());
  // Text from a Latin-1 file in the message: stored, with the bad byte replaced.
  ASSERT_TRUE(store->record_failed_run({"kohort fit caf\xc3\xa9/", "bad name 'Ren\xe9'", "not a time", "{not json"}).ok());
  auto runs = store->runs();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[2].command, "kohort fit caf\xc3\xa9/");
  EXPECT_EQ((*runs)[2].error, "bad name 'Ren?'");
  EXPECT_EQ((*runs)[1].status, "failed");
  EXPECT_EQ((*runs)[1].command, "kohort fit shop/ --k 50");
  EXPECT_EQ((*runs)[1].error, "k 50 is larger than the 4 customers");
  EXPECT_EQ((*runs)[1].metrics_json, "{}");
  EXPECT_EQ((*runs)[1].started_at, "2024-02-01T10:00:00Z");  // the run's own start
  EXPECT_GT((*runs)[1].finished_at, (*runs)[1].started_at);
  EXPECT_EQ(nlohmann::json::parse((*runs)[1].options_json), nlohmann::json::parse(R"({"k": "50"})"));
  EXPECT_EQ((*runs)[2].options_json, "{}");  // not JSON: not stored
  EXPECT_FALSE((*runs)[1].version.has_value());
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM model_versions"), "1");
  EXPECT_EQ((*store->latest())->version, 1);
}

TEST_P(StoreTest, RejectedPublishLeavesNothingBehind) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->publish(make_request(50, 3, "2024-01-31")).ok());

  struct Case {
    const char* name;
    void (*spoil)(PublishRequest&);
    const char* what;
  };
  const Case cases[] = {
      {"duplicate customer", [](PublishRequest& r) { r.assignments[7].customer_id = "c0000003"; },
       "customer 'c0000003' appears twice in the assignments"},
      {"bad as_of", [](PublishRequest& r) { r.as_of = "31/01/2024"; },
       "as_of '31/01/2024' is not an ISO 8601 date or date-time"},
      {"unknown segment", [](PublishRequest& r) { r.assignments[2].segment = 9; },
       "customer 'c0000002' is assigned to segment 9, which is not among the segments"},
      {"confidence", [](PublishRequest& r) { r.assignments[1].confidence = 1.5f; },
       "customer 'c0000001' has confidence 1.5 outside [0, 1]"},
      {"model json", [](PublishRequest& r) { r.model_json = "{\"k\":"; },
       "model_json is not valid JSON"},
      {"empty id", [](PublishRequest& r) { r.assignments[0].customer_id.clear(); },
       "an assignment has an empty customer_id"},
      {"latin-1 id", [](PublishRequest& r) { r.assignments[4].customer_id = "Ren\xe9"; },
       "customer id 'Ren\\xE9' is not valid UTF-8 text"},
      {"NUL in id",
       [](PublishRequest& r) { r.assignments[4].customer_id = std::string("a\0b", 3); },
       "customer id 'a\\x00b' is not valid UTF-8 text"},
  };
  for (const Case& c : cases) {
    PublishRequest r = make_request(60, 3, "2024-02-29", 1);
    c.spoil(r);
    auto v = store->publish(r);
    ASSERT_FALSE(v.ok()) << c.name;
    EXPECT_EQ(v.status().code(), Code::invalid_input) << c.name;
    EXPECT_EQ(v.status().what(), c.what) << c.name;
    EXPECT_EQ(v.status().where(), redact_location(backend_->location())) << c.name;
  }
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM model_versions"), "1");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM segments"), "3");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignment_history"), "50");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM assignments WHERE version = 1"), "50");
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM runs"), "1");
  // And the store still publishes.
  auto v = store->publish(make_request(60, 3, "2024-02-29", 1));
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(*v, 2);
}

TEST_P(StoreTest, TwoHandlesSeeEachOthersVersions) {
  auto a = open_store();
  auto b = open_store();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(*a->publish(make_request(20, 2, "2024-01-31")), 1);
  ASSERT_EQ(*b->publish(make_request(20, 2, "2024-02-29", 1)), 2);
  auto latest = a->latest();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->version, 2);
  auto moved = a->assignments(2);
  ASSERT_TRUE(moved.ok());
  for (const auto& x : *moved) EXPECT_EQ(x.since, "2024-02-29T00:00:00Z");
}

// A version cut earlier than the latest (history refitted) never dates a customer's `since`
// after its own as_of; a later version carries the earlier date again.
TEST_P(StoreTest, SinceIsNeverAfterTheVersionsAsOf) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(*store->publish(make_request(20, 2, "2024-03-31")), 1);
  ASSERT_EQ(*store->publish(make_request(20, 2, "2024-01-31")), 2);
  auto earlier = store->assignments(2);
  ASSERT_TRUE(earlier.ok());
  ASSERT_EQ(earlier->size(), 20u);
  for (const auto& x : *earlier) EXPECT_EQ(x.since, "2024-01-31T00:00:00Z") << x.customer_id;
  ASSERT_EQ(*store->publish(make_request(20, 2, "2024-04-30")), 3);
  auto later = store->assignments(3);
  ASSERT_TRUE(later.ok());
  for (const auto& x : *later) EXPECT_EQ(x.since, "2024-01-31T00:00:00Z") << x.customer_id;
}

// Processes that open a fresh store at the same moment (racing to migrate it) and publish at
// once: every publish gets its own number, and every version is complete.
TEST_P(StoreTest, ConcurrentOpenersAndPublishersEachGetAVersion) {
  constexpr int kProcesses = 3;
  constexpr std::int64_t kCustomers = 5000;
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(go[1]);
      char c = 0;
      if (::read(go[0], &c, 1) != 0) ::_exit(2);  // released when the parent closes the pipe
      auto store = Store::open(backend_->location());
      if (!store.ok()) {
        std::fprintf(stderr, "process %d: %s\n", p, store.status().message().c_str());
        ::_exit(3);
      }
      auto v = (*store)->publish(make_request(kCustomers, 3, "2024-01-31", p, p));
      if (!v.ok()) std::fprintf(stderr, "process %d: %s\n", p, v.status().message().c_str());
      ::_exit(v.ok() ? 0 : 4);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  ::close(go[1]);
  for (const pid_t pid : children) {
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFEXITED(wstatus));
    EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "2: pipe, 3: open failed, 4: publish failed";
  }
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  auto versions = store->versions();
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), static_cast<std::size_t>(kProcesses));
  for (int i = 0; i < kProcesses; ++i) {
    EXPECT_EQ((*versions)[static_cast<std::size_t>(i)].version, i + 1);
    EXPECT_EQ((*versions)[static_cast<std::size_t>(i)].customers, kCustomers);
    auto rows = store->assignments(i + 1);
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(static_cast<std::int64_t>(rows->size()), kCustomers);
  }
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM schema_migrations"), std::to_string(kLatestSchema));
  EXPECT_EQ(backend_->query_one("SELECT count(*) FROM runs"), "3");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         testing::param_name);

}  // namespace
}  // namespace kohort::store
