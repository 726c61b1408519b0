#include "kohort/assign/export_table.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace kohort::assign {
namespace {

TEST(ExportTable, FormulasAreNeutralisedAndOtherTextKept) {
  for (const char* f : {"=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"}) EXPECT_EQ(neutralise_formula(f), std::string("'") + f);
  for (const char* t : {"", "Big spenders", "1-2 visits", "x=y"}) EXPECT_EQ(neutralise_formula(t), t);
}

TEST(ExportTable, CsvQuotesWhatNeedsItAndLeavesIdsAndNumbersAlone) {
  Snapshot s;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  s.rows = {{"C1", 0, 0.5f, 0, {1234.5678f, 0.91234f, 0.25f}},
            {"=C2", 1, std::nullopt, 86400, {}},
            {"a,\"b\"", 2, 1.0f, 0, {0.0f, nan, nan}}};
  const std::map<std::int32_t, SegmentText> segments = {
      {0, {"Plain", "orders 3.1× the average (6.2 vs 2); spend, all time 2.5× the average"}},
      {1, {"=cmd|' /C calc'!A0", "-recency"}},
      {2, {"Say \"hi\", then go", ""}}};
  EXPECT_EQ(assignments_table(s, segments, TableFormat::csv),
            "customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics\n"
            "C1,0,Plain,0.5,1970-01-01T00:00:00Z,1234.57,0.9123,0.25,"
            "\"orders 3.1× the average (6.2 vs 2); spend, all time 2.5× the average\"\n"
            "=C2,1,'=cmd|' /C calc'!A0,,1970-01-02T00:00:00Z,,,,'-recency\n"
            "\"a,\"\"b\"\"\",2,\"Say \"\"hi\"\", then go\",1,1970-01-01T00:00:00Z,0.00,,,\n");
  const std::string jsonl = assignments_table(s, segments, TableFormat::jsonl);
  EXPECT_EQ(jsonl.substr(0, jsonl.find('\n')),
            "{\"customer_id\":\"C1\",\"segment\":0,\"segment_name\":\"Plain\",\"confidence\":0.5,"
            "\"since\":\"1970-01-01T00:00:00Z\",\"clv\":1234.57,\"p_alive\":0.9123,\"churn_risk\":0.25,"
            "\"characteristics\":\"orders 3.1× the average (6.2 vs 2); spend, all time 2.5× the average\"}");
  EXPECT_NE(jsonl.find("\"clv\":null,\"p_alive\":null"), std::string::npos);
}

Snapshot three_customers() {
  Snapshot s;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  s.rows = {{"C1", 0, 0.5f, 86400 * 19875, {1234.5678f, 0.91234f, 0.25f}},
            {"C2", 1, std::nullopt, 86400, {}},
            {"C3", 1, 1.0f, 0, {0.0f, nan, nan}}};
  return s;
}
const std::map<std::int32_t, SegmentText> kTwoSegments = {{0, {"=Loyal", "orders 3× the average"}}, {1, {"Lapsed", ""}}};

TEST(ExportTable, SalesforceUpsertsOnTheExternalIdAndNullsWhatIsUnknown) {
  EXPECT_EQ(salesforce_table(three_customers(), kTwoSegments),
            "Kohort_Customer_Id__c,Kohort_Segment__c,Kohort_Segment_Name__c,Kohort_Confidence__c,Kohort_Segment_Since__c,"
            "Kohort_CLV__c,Kohort_P_Alive__c,Kohort_Churn_Risk__c,Kohort_Characteristics__c\n"
            "C1,0,'=Loyal,0.5,2024-06-01,1234.57,0.9123,0.25,orders 3× the average\n"
            "C2,1,Lapsed,#N/A,1970-01-02,#N/A,#N/A,#N/A,#N/A\n"
            "C3,1,Lapsed,1,1970-01-01,0.00,#N/A,#N/A,#N/A\n");
}

TEST(ExportTable, KlaviyoJobsHoldAtMostTheProfilesAndBytesAJobTakes) {
  const std::string two_per_job = klaviyo_jobs(three_customers(), kTwoSegments, nullptr, 2);
  std::vector<nlohmann::json> jobs;
  for (std::size_t at = 0, end; (end = two_per_job.find('\n', at)) != std::string::npos; at = end + 1)
    jobs.push_back(nlohmann::json::parse(two_per_job.substr(at, end - at)));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["data"]["type"], "profile-bulk-import-job");
  const auto& first = jobs[0]["data"]["attributes"]["profiles"]["data"];
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0]["type"], "profile");
  EXPECT_EQ(first[0]["attributes"]["external_id"], "C1");
  const auto& props = first[0]["attributes"]["properties"];
  EXPECT_EQ(props["kohort_segment"], 0);
  EXPECT_EQ(props["kohort_segment_name"], "=Loyal");  // JSON is data: not neutralised
  EXPECT_EQ(props["kohort_segment_since"], "2024-06-01");
  EXPECT_EQ(props["kohort_clv"], 1234.57);
  EXPECT_FALSE(first[1]["attributes"]["properties"].contains("kohort_clv"));  // unknown: left out
  EXPECT_EQ(jobs[1]["data"]["attributes"]["profiles"]["data"].size(), 1u);
  // A byte budget smaller than two profiles puts each in its own job.
  const std::string small = klaviyo_jobs(three_customers(), kTwoSegments, nullptr, 10000, 400);
  EXPECT_EQ(std::count(small.begin(), small.end(), '\n'), 3);
  EXPECT_EQ(klaviyo_jobs(Snapshot{}, kTwoSegments), "");
}

TEST(ExportTable, ContactsJoinEmailsAndAttributesWhereTheStreamHasThem) {
  events::EventLog log;
  const auto c1 = log.intern("C1"), c3 = log.intern("C3");
  log.attributes.customer = {c1, c3};
  log.attributes.email = {log.attributes.emails.intern("=c1@example.com"), events::kMissingCode};
  log.attributes.region = {log.attributes.regions.intern("north"), events::kMissingCode};
  log.attributes.age = {34.0f, std::numeric_limits<float>::quiet_NaN()};
  log.attributes.signup = {86400 * 19875, events::kMissingTime};
  const Contacts contacts = contacts_of(log);
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contacts.at("C1").email, "=c1@example.com");
  EXPECT_EQ(contacts.at("C1").signup_date, "2024-06-01");
  EXPECT_EQ(contacts.at("C1").age, "34");
  EXPECT_EQ(contacts.at("C3").email, "");

  const std::string csv = assignments_table(three_customers(), kTwoSegments, TableFormat::csv, &contacts);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics,"
            "email,signup_date,region,age,loyalty_tier");
  EXPECT_NE(csv.find(",'=c1@example.com,2024-06-01,north,34,\n"), std::string::npos);  // a formula neutralised
  EXPECT_NE(csv.find("\nC2,1,Lapsed,,1970-01-02T00:00:00Z,,,,,,,,,\n"), std::string::npos);  // no contact: empty

  std::int64_t without = -1;
  const std::string hub = hubspot_table(three_customers(), kTwoSegments, contacts, without);
  EXPECT_EQ(without, 2);  // C2 has no contact, C3 no email: HubSpot could not match them
  EXPECT_EQ(hub,
            "Email,kohort_customer_id,kohort_segment,kohort_segment_name,kohort_confidence,kohort_segment_since,"
            "kohort_clv,kohort_p_alive,kohort_churn_risk,kohort_characteristics\n"
            "'=c1@example.com,C1,0,'=Loyal,0.5,2024-06-01,1234.57,0.9123,0.25,orders 3× the average\n");
  const std::string sf = salesforce_table(three_customers(), kTwoSegments, &contacts);
  EXPECT_EQ(sf.substr(0, sf.find(',', 22)), "Kohort_Customer_Id__c,Email");
  EXPECT_NE(sf.find("\nC3,#N/A,1,"), std::string::npos);
  const std::string k = klaviyo_jobs(three_customers(), kTwoSegments, &contacts);
  EXPECT_NE(k.find(R"("external_id":"C1","email":"=c1@example.com","properties")"), std::string::npos);
  EXPECT_NE(k.find(R"("external_id":"C3","properties")"), std::string::npos);
}

TEST(ExportTable, SegmentsCarryTheirProfileFigures) {
  const std::vector<store::SegmentRecord> segs = {
      {0, "+Big", 10, 0.25, R"({"revenue_share": 0.5, "clv_12m": 812.5, "p_alive": null, "churn_risk": 0.125,
                              "drivers": [{"evidence": "spend 3× the average"}]})"},
      {1, "Rest", 30, 0.75, "{}"}};
  EXPECT_EQ(segments_table(segs, TableFormat::csv),
            "segment,name,size,share,revenue_share,clv_12m,p_alive,churn_risk,characteristics\n"
            "0,'+Big,10,0.25,0.5,812.5,,0.125,spend 3× the average\n"
            "1,Rest,30,0.75,,,,,\n");
  EXPECT_NE(segments_table(segs, TableFormat::jsonl).find("\"p_alive\":null"), std::string::npos);
}

TEST(ExportTable, CharacteristicsAreTheFirstThreeDriversInWords) {
  EXPECT_EQ(characteristics(R"({"drivers": [{"evidence": "a 2× the average"}, {"evidence": "b"}, {"feature": "x"},
                                            {"evidence": "c"}, {"evidence": "d"}]})"),
            "a 2× the average; b; c");
  EXPECT_EQ(characteristics("{}"), "");
  EXPECT_EQ(characteristics("not json"), "");
}

TEST(ExportTable, TransitionsWriteAnAbsentSideAsEmpty) {
  const std::vector<store::TransitionRecord> moves = {{"C1", std::nullopt, 3, "2024-06-02T00:00:00Z", "new"},
                                                      {"C2", 1, std::nullopt, "2024-06-02T00:00:00Z", "left"}};
  EXPECT_EQ(transitions_table(moves, TableFormat::csv),
            "customer_id,from_segment,to_segment,as_of,reason\n"
            "C1,,3,2024-06-02T00:00:00Z,new\n"
            "C2,1,,2024-06-02T00:00:00Z,left\n");
  EXPECT_NE(transitions_table(moves, TableFormat::jsonl).find("\"from_segment\":null"), std::string::npos);
}

TEST(ExportTable, DeadLettersHideTheUrlPasswordAndNeutraliseTheError) {
  const std::vector<store::DeadLetter> letters = {
      {"https://kohort:s3cret@crm.example.com/h", "evt_1", "C1", "2024-06-02T00:00:00Z",
       R"({"id":"evt_1","type":"segment.exited","segment":4})", 6, "=HTTP 503, busy", "2024-06-02T02:15:00Z"}};
  const std::string csv = dead_letters_table(letters, TableFormat::csv);
  EXPECT_EQ(csv,
            "destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at\n"
            "https://kohort:***@crm.example.com/h,evt_1,C1,2024-06-02T00:00:00Z,segment.exited,4,6,\"'=HTTP 503, busy\","
            "2024-06-02T02:15:00Z\n");
  const std::string jsonl = dead_letters_table(letters, TableFormat::jsonl);
  EXPECT_EQ(jsonl.find("s3cret"), std::string::npos);
  EXPECT_NE(jsonl.find("\"segment\":4"), std::string::npos);
  EXPECT_NE(jsonl.find("\"last_error\":\"=HTTP 503, busy\""), std::string::npos);  // JSON is data, not a formula
}

}  // namespace
}  // namespace kohort::assign
