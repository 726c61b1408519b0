// kohort/model/publish.h — a fit's results on disk (assignments.csv, segments.json,
// model.json) and in the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "kohort/core/result.h"
#include "kohort/model/fit.h"
#include "kohort/store/store.h"

namespace kohort::model {

/// Writes DIR/assignments.csv (`customer_id,segment,segment_name,confidence,clv,p_alive,
/// churn_risk`, the ids exactly as in the input, CSV-quoted when they hold a comma, quote or
/// newline; an unknown value is an empty cell), DIR/segments.json
/// (the profiles) and DIR/model.json as one set (core/file_set.h): a crash or a full disk
/// leaves the previous set or this one, and DIR/manifest.json, written last, names the files
/// with their sizes and SHA-256 and records `about` (the published version) under "set".
/// Creates DIR when missing; other files in it are left alone. Fails as write_file_set().
[[nodiscard]] Status write_outputs(const FitResult& fit, const std::string& dir,
                                   const nlohmann::json& about = nlohmann::json::object());

/// The CSV text of assignments.csv.
[[nodiscard]] std::string assignments_csv(const FitResult& fit);

/// What the store records of the run that made a version.
struct RunInfo {
  std::string command;                                  ///< the command line
  std::string started_at;                               ///< ISO 8601; empty: the publish time
  nlohmann::json options = nlohmann::json::object();    ///< every option, no secrets
};

/// Publishes the fit as a new model version (atomically), recording `run`; returns the
/// version number.
[[nodiscard]] Result<std::int64_t> publish(store::Store& store, const FitResult& fit, const RunInfo& run);

/// A published model and its version: `version`, else the pinned one, else the latest; with
/// the names people gave its segments (kohort segments rename). Fails with not_found when
/// nothing is published or the version does not exist, with invalid_input (where "model") for a
/// document this build cannot read.
[[nodiscard]] Result<std::pair<std::int64_t, SegmentModel>> read_model(store::Store& store,
                                                                     std::optional<std::int64_t> version);

}  // namespace kohort::model
