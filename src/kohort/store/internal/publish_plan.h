// kohort/store/internal/publish_plan.h — what both backends do before and around a publish:
// checking the request, ordering its assignments, fingerprinting, carrying `since`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kohort/core/result.h"
#include "kohort/store/store.h"

namespace kohort::store::internal {

/// A checked request, ready to write. Borrows from the request it was made from.
struct PublishPlan {
  std::string as_of;           ///< normalised "YYYY-MM-DDTHH:MM:SSZ"
  std::int64_t as_of_seconds;  ///< the same instant, seconds since the epoch
  std::string run_started_at;  ///< normalised, or empty (then: the publish time)
  std::string fingerprint;     ///< "sha256:<hex>" of model_json
  /// The request's assignments sorted by customer_id (bytes); ids are unique.
  std::vector<const AssignmentRecord*> sorted;
};

/// Checks `request` (see Store::publish for the rules; all text must pass valid_text());
/// `where` names the store in errors.
/// Deterministic; O(n log n) for n assignments.
[[nodiscard]] Result<PublishPlan> plan_publish(const std::string& where,
                                               const PublishRequest& request);

/// The previous version's assignments, sorted by customer_id (bytes). `since` values are
/// interned: they take few distinct values (one per version at most).
struct PreviousAssignments {
  std::vector<std::string> customer_ids;
  std::vector<std::int32_t> segments;
  std::vector<std::uint32_t> since_index;  ///< into since_values
  std::vector<std::int64_t> since_values;  ///< seconds since the epoch

  /// Appends one row; rows must come in ascending customer_id order.
  void add(std::string_view customer_id, std::int32_t segment, std::int64_t since_seconds);
};

/// For each assignment of `plan.sorted`: its `since` in seconds — the previous version's when
/// the customer was there in the same segment id and that `since` is not after this as_of
/// (a version cut earlier than the previous one), else plan.as_of_seconds. One merge pass.
[[nodiscard]] std::vector<std::int64_t> carry_since(const PublishPlan& plan,
                                                    const PreviousAssignments& previous);

/// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF) without NUL bytes: text both backends store unchanged (PostgreSQL refuses
/// anything else).
[[nodiscard]] bool valid_text(std::string_view s);

/// A failed run's fields as both backends store them (see Store::record_failed_run):
/// started_at normalised or empty (then: the recording time).
struct FailedRunText {
  std::string command, error, options_json, started_at;
};
[[nodiscard]] FailedRunText failed_run_text(const FailedRun& run);

/// `text`, the model document of `version` as read back, when its SHA-256 is `fingerprint` (as
/// recorded at publishing); corruption otherwise.
[[nodiscard]] Result<std::string> checked_model(std::int64_t version, std::string text,
                                                const std::string& fingerprint);

/// A checked assignment day. Borrows from the request it was made from.
struct DayPlan {
  std::string as_of;           ///< normalised "YYYY-MM-DDTHH:MM:SSZ"
  std::string run_started_at;  ///< normalised, or empty (then: the recording time)
  std::string status;          ///< "current" or "held"
  /// The request's customers sorted by customer_id (bytes); ids are unique.
  std::vector<const CustomerDay*> sorted;
};

/// Checks `request` (see Store::publish_day) except what needs the database: the version's
/// existence and segment ids (check_day_segments) and the date order.
[[nodiscard]] Result<DayPlan> plan_day(const std::string& where, const AssignDayRequest& request);

/// OK when every segment the request names is one of `ids` (or -1 in a customer's standing).
[[nodiscard]] Status check_day_segments(const std::string& where, const AssignDayRequest& request,
                                        const std::vector<std::int32_t>& ids);

/// The bytes a smoothed vector is stored as (little-endian float32) and back; nullopt for a
/// length that is not a whole number of floats.
[[nodiscard]] std::string vector_bytes(const std::vector<float>& v);
[[nodiscard]] std::optional<std::vector<float>> vector_from_bytes(std::string_view bytes);

/// `s` with every byte that is not part of valid UTF-8 (and every NUL) replaced by '?'.
[[nodiscard]] std::string to_valid_text(std::string_view s);


/// A checked monitor run: as_of and started_at normalised (started_at empty: the recording time).
struct MonitorPlan {
  std::string as_of;
  std::string run_started_at;
};

/// Checks `request` (see Store::record_monitor_run) except the version's existence.
[[nodiscard]] Result<MonitorPlan> plan_monitor_run(const std::string& where, const MonitorRunRequest& request);

/// OK for a forget() request: at least one id, each non-empty valid text (see valid_text()).
[[nodiscard]] Status check_forget(const std::string& where, const std::vector<std::string>& ids);

/// A checked watermark: the destination name valid text, as_of normalised.
[[nodiscard]] Result<std::string> plan_watermark(const std::string& where, const std::string& name, const std::string& as_of);

/// Why a customer value cannot be stored ("" when it can): a clv that is infinite, a p_alive or
/// churn_risk outside [0, 1] (NaN is unknown, stored as NULL).
[[nodiscard]] std::string value_problem(const CustomerValue& v);

/// Checks `record` (see Store::record_delivery): as_of of each failed event and `through`
/// normalised to "YYYY-MM-DDTHH:MM:SSZ".
[[nodiscard]] Result<DeliveryRecord> plan_delivery(const std::string& where, DeliveryRecord record);

}  // namespace kohort::store::internal
