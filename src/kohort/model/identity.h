// kohort/model/identity.h — a segment's id is its identity across versions: a refit's segments
// are matched to the previous version's by the customers they share, keep the matched ids and
// (while the profile still supports them) names, and splits, merges, births and deaths are
// reported with their overlaps.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kohort/core/result.h"
#include "kohort/model/fit.h"
#include "kohort/store/store.h"

namespace kohort::model {

/// The segmentation a refit is matched against: the previous version's segments and where its
/// customers stand now (the current assignment day of that version, else its own assignments).
struct PreviousSegmentation {
  std::int64_t version = 0;
  std::vector<std::int32_t> ids;          ///< its segment ids
  std::vector<std::string> names;         ///< by position in `ids`
  std::vector<char> labelled;             ///< by position: the name was given by a person (kept always)
  std::vector<std::string> top_driver;    ///< by position: "+feature" / "-feature" of its strongest driver, or ""
  std::vector<std::map<std::string, double>> profile;  ///< by position: feature → std_diff of its profile
  std::vector<std::pair<std::string, std::int32_t>> members;  ///< customer → segment id, by customer id
  std::int32_t next_id = 0;               ///< one past the highest id any version used
};

struct IdentityOptions {
  /// A pair the assignment proposes is matched by overlap when they share at least this share
  /// of the smaller segment; below it, by profile.
  double min_overlap = 0.3;
  /// Otherwise matched when the root-mean-square difference of their standardised feature
  /// means (each segment's centroid in standard deviations of its population) is at most this.
  double max_profile_distance = 0.35;
  /// A split or merge counts a part holding at least this share of the segment it came from
  /// (or went to).
  double part_share = 0.2;
};

/// The published id (and name) of each new segment, and what happened to the previous ones.
struct Identity {
  std::vector<std::int32_t> ids;     ///< new segment position → published id
  std::vector<std::string> names;    ///< new segment position → published name
  /// {"previous_version", "matched": [{id, previous_id, by, overlap, share_of_new,
  /// share_of_previous}], "births": [{id, name}], "deaths": [{id, name}], "splits": [{from,
  /// into: [{id, overlap}]}], "merges": [{into, from: [{id, overlap}]}], "renamed": [{id, from,
  /// to}], "migration": {"previous": [ids], "new": [ids], "counts": [[…]]}}
  nlohmann::json report;
};

/// Reads the previous segmentation from the store: the latest version, its segments and
/// profiles, and its current standing. nullopt when nothing is published.
[[nodiscard]] Result<std::optional<PreviousSegmentation>> read_previous(store::Store& store);

/// Matches the fit's segments to `previous`: a maximum-overlap assignment (Hungarian) on the
/// customers both place, a pair counting when it shares options.min_overlap of the smaller
/// segment; segments left over are matched by profile distance; the rest are births (new ids
/// from previous.next_id on, never reused) and deaths. A matched segment keeps the previous
/// name if a person gave it (kohort segments rename), else unless the previous segment's
/// strongest driver is no longer among its drivers with the same sign. Deterministic; O(n log n + k³).
[[nodiscard]] Identity match_identity(const FitResult& fit, const PreviousSegmentation& previous,
                                      const IdentityOptions& options = {});

/// The identity of a first version: ids 0..k−1, the fit's names, an empty report.
[[nodiscard]] Identity first_identity(const FitResult& fit);

/// Gives the fit its published ids and names everywhere it reports them: the model's segment
/// ids and names, the profiles, the segments document, the map, and the identity report.
void apply_identity(FitResult& fit, const Identity& identity);

/// Names people gave segments (store::Store::segment_labels()), by id, over the model's own.
void apply_labels(SegmentModel& model, const std::vector<std::pair<std::int32_t, std::string>>& labels);
/// The same over the segments of report data (model/report_data.h).
void apply_labels(nlohmann::json& report, const std::vector<std::pair<std::int32_t, std::string>>& labels);

}  // namespace kohort::model
