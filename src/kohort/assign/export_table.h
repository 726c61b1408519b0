// kohort/assign/export_table.h — the assignments of a day and the transitions between dates as
// the files CRMs and spreadsheets read (kohort export): CSV (RFC 4180) or JSON Lines.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <unordered_map>

#include "kohort/assign/snapshot.h"
#include "kohort/events/event_log.h"
#include "kohort/store/store.h"

namespace kohort::assign {

enum class TableFormat { csv, jsonl };

/// A free-text cell a spreadsheet would run as a formula (first character =, +, −, @, tab or
/// carriage return) with a ' put before it; any other text unchanged.
[[nodiscard]] std::string neutralise_formula(std::string_view text);

/// What the export says of a segment: its name and its characteristics in words.
struct SegmentText {
  std::string name;
  std::string characteristics;
};

/// What the customers stream says of a customer, as text (kohort export --data DIR): the store
/// itself holds no emails. A value the stream lacks is empty.
struct Contact {
  std::string email, signup_date, region, age, loyalty_tier;
};
/// Contacts by customer id.
using Contacts = std::unordered_map<std::string, Contact>;

/// The contacts of `log`'s customers stream (its attributes), by external id. O(customers).
[[nodiscard]] Contacts contacts_of(const events::EventLog& log);

/// The segment's top three distinguishing features in words: the `evidence` of the first three
/// drivers of a segment profile (profile_json as published; drivers ranked by effect size),
/// joined by "; ". Empty when the profile has none.
[[nodiscard]] std::string characteristics(const std::string& profile_json);

/// `customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics`,
/// one row per customer of `s`; `segments` maps segment ids to their text. In CSV the free text
/// (name, characteristics) is neutralised; ids and numbers are written unchanged (CSV-quoted
/// when they hold a comma, quote or line break); an unknown number is an empty cell (null in
/// JSON Lines). clv has 2 decimals, probabilities 4 significant digits. With `contacts`, each
/// row also has `email,signup_date,region,age,loyalty_tier` from them (empty where unknown).
[[nodiscard]] std::string assignments_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                                            TableFormat format, const Contacts* contacts = nullptr);

/// The assignments as a HubSpot contact import file (CSV): `Email` (the unique identifier HubSpot
/// matches contacts on) and the contact properties kohort_customer_id, kohort_segment,
/// kohort_segment_name, kohort_confidence, kohort_segment_since (YYYY-MM-DD), kohort_clv,
/// kohort_p_alive, kohort_churn_risk and kohort_characteristics. Only customers with an email
/// in `contacts` are written (HubSpot would create a duplicate contact for each of the others);
/// `without_email` counts those left out. Free text neutralised as in CSV.
[[nodiscard]] std::string hubspot_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                                        const Contacts& contacts, std::int64_t& without_email);

/// The assignments as a Salesforce Bulk API 2.0 upsert file (CSV, UTF-8, comma, LF): a header
/// of field API names — Kohort_Customer_Id__c (the external id to upsert on), Kohort_Segment__c,
/// Kohort_Segment_Name__c, Kohort_Confidence__c, Kohort_Segment_Since__c (a date, YYYY-MM-DD),
/// Kohort_CLV__c, Kohort_P_Alive__c, Kohort_Churn_Risk__c, Kohort_Characteristics__c — and one
/// row per customer. An unknown value is #N/A (Bulk API's null, so a stale value is cleared);
/// free text is neutralised as in CSV. With `contacts`, an `Email` column (the standard field)
/// follows the external id; an unknown email is #N/A too.
[[nodiscard]] std::string salesforce_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                                           const Contacts* contacts = nullptr);

/// The assignments as Klaviyo bulk profile import jobs (POST /api/profile-bulk-import-jobs), one
/// JSON:API request body per line, each with at most `max_profiles` profiles (Klaviyo takes
/// 10,000) and about `max_bytes` (Klaviyo takes 5 MB): {"data": {"type":
/// "profile-bulk-import-job", "attributes": {"profiles": {"data": [{"type": "profile",
/// "attributes": {"external_id": customer_id, "properties": {kohort_segment, kohort_segment_name,
/// kohort_confidence, kohort_segment_since, kohort_clv, kohort_p_alive, kohort_churn_risk,
/// kohort_characteristics}}}, …]}}}}; an unknown value is left out. With `contacts`, a profile
/// with a known email carries it too ("email" beside "external_id"). No line when `s` is empty.
[[nodiscard]] std::string klaviyo_jobs(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                                       const Contacts* contacts = nullptr, std::size_t max_profiles = 10000,
                                       std::size_t max_bytes = 4'500'000);

/// `segment,name,size,share,revenue_share,clv_12m,p_alive,churn_risk,characteristics`, one row
/// per segment of a version (its published profile); numbers unknown to the profile are empty
/// (null in JSON Lines), free text neutralised in CSV.
[[nodiscard]] std::string segments_table(const std::vector<store::SegmentRecord>& segments, TableFormat format);

/// `customer_id,from_segment,to_segment,as_of,reason`; an absent side is an empty cell (null).
[[nodiscard]] std::string transitions_table(const std::vector<store::TransitionRecord>& moves, TableFormat format);

/// `destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at`, one row
/// per dead letter: the destination without a password, the event's type and segment from its
/// payload; the error (free text) neutralised in CSV.
[[nodiscard]] std::string dead_letters_table(const std::vector<store::DeadLetter>& letters, TableFormat format);

}  // namespace kohort::assign
