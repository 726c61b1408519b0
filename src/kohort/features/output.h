// kohort/features/output.h — writing a feature table: CSV with a header, and the
// `.features.json` sidecar that describes the columns of a `.npy` matrix.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "kohort/core/status.h"
#include "kohort/events/event_log.h"
#include "kohort/features/feature_table.h"

namespace kohort::features {

/// The table as CSV text: header `customer_id,<feature names…>`, then one line per row with the
/// customer's external id from `log` (quoted when it holds a comma, quote or line break) and the
/// values in the shortest text that reads back as the same float32; NaN is an empty cell.
/// REQUIRES: table was computed from `log`. O(rows · cols).
[[nodiscard]] std::string features_csv(const FeatureTable& table, const events::EventLog& log);

/// Writes features_csv() to `path` atomically ("-" is standard output). Fails with io_error.
[[nodiscard]] Status write_features_csv(const std::string& path, const FeatureTable& table,
                                        const events::EventLog& log);

/// write_features_csv() with row r's customer id taken from ids[r] (a table put together from
/// partitions); invalid_argument when the counts differ.
[[nodiscard]] Status write_features_csv(const std::string& path, const FeatureTable& table,
                                        std::span<const std::string> ids);

/// The sidecar document: {"format": "kohort.features", "version": 1, "as_of": ISO date-time,
/// "rows": n, "cols": d, "features": [{"name","group","unit","description","phrase"}…]}.
[[nodiscard]] nlohmann::json features_json(const FeatureTable& table);
/// The same with each row's customer id under "ids" (what `kohort cluster` labels rows with).
[[nodiscard]] nlohmann::json features_json(const FeatureTable& table, std::span<const std::string> ids);

/// Writes features_json() (indented) to `path` atomically. Fails with io_error.
[[nodiscard]] Status write_features_json(const std::string& path, const FeatureTable& table);

}  // namespace kohort::features
