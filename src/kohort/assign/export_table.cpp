#include "kohort/assign/export_table.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kohort/core/secrets.h"

namespace kohort::assign {

namespace {

std::string csv_cell(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out(1, '"');
  for (const char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(cells[i]);
  }
  out.push_back('\n');
  return out;
}

std::string optional_segment(const std::optional<std::int32_t>& s) { return s ? std::to_string(*s) : std::string(); }

const Contact kNobody;

// The contact of `id`, or an empty one.
const Contact& contact_of(const Contacts& contacts, const std::string& id) {
  const auto it = contacts.find(id);
  return it == contacts.end() ? kNobody : it->second;
}

}  // namespace

std::string neutralise_formula(std::string_view text) {
  std::string out;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) out.push_back('\'');
  out.append(text);
  return out;
}

Contacts contacts_of(const events::EventLog& log) {
  const auto& a = log.attributes;
  const auto code = [](const std::vector<events::code_t>& col, const events::Dictionary& d, std::size_t i) {
    return i < col.size() && col[i] >= 0 ? std::string(d.value(col[i])) : std::string();
  };
  Contacts out;
  out.reserve(static_cast<std::size_t>(a.size()));
  for (std::size_t i = 0; i < static_cast<std::size_t>(a.size()); ++i) {
    Contact c;
    c.email = code(a.email, a.emails, i);
    c.region = code(a.region, a.regions, i);
    c.loyalty_tier = code(a.loyalty_tier, a.tiers, i);
    if (i < a.signup.size() && a.signup[i] != events::kMissingTime) c.signup_date = format_date(a.signup[i]);
    if (i < a.age.size() && !std::isnan(a.age[i])) c.age = fmt::format("{}", a.age[i]);
    out.emplace(log.external_id(a.customer[i]), std::move(c));
  }
  return out;
}

std::string characteristics(const std::string& profile_json) {
  const auto p = nlohmann::json::parse(profile_json, nullptr, false);
  if (!p.is_object() || !p.contains("drivers") || !p["drivers"].is_array()) return {};
  std::string out;
  int n = 0;
  for (const auto& d : p["drivers"]) {
    if (n == 3) break;
    if (!d.is_object() || !d.contains("evidence") || !d["evidence"].is_string()) continue;
    out += (n++ ? "; " : "") + d["evidence"].get<std::string>();
  }
  return out;
}

std::string assignments_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments, TableFormat format,
                              const Contacts* contacts) {
  std::string out;
  if (format == TableFormat::csv)
    out = fmt::format("customer_id,segment,segment_name,confidence,since,clv,p_alive,churn_risk,characteristics{}\n",
                      contacts ? ",email,signup_date,region,age,loyalty_tier" : "");
  const SegmentText none;
  const auto cell = [](float v, const char* spec) { return std::isnan(v) ? std::string() : fmt::format(fmt::runtime(spec), v); };
  const auto number = [](float v, const char* spec) {
    return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(std::stod(fmt::format(fmt::runtime(spec), v)));
  };
  for (const auto& r : s.rows) {
    const auto it = segments.find(r.segment);
    const SegmentText& seg = it == segments.end() ? none : it->second;
    const auto& v = r.value;
    if (format == TableFormat::csv) {
      std::vector<std::string> cells = {csv_cell(r.customer_id), std::to_string(r.segment), csv_cell(neutralise_formula(seg.name)),
                                        r.confidence ? fmt::format("{:.6g}", *r.confidence) : std::string(), format_datetime(r.since),
                                        cell(v.clv, "{:.2f}"), cell(v.p_alive, "{:.4g}"), cell(v.churn_risk, "{:.4g}"),
                                        csv_cell(neutralise_formula(seg.characteristics))};
      if (contacts) {
        const Contact& c = contact_of(*contacts, r.customer_id);
        for (const std::string* t : {&c.email, &c.signup_date, &c.region, &c.age, &c.loyalty_tier})
          cells.push_back(csv_cell(neutralise_formula(*t)));
      }
      out += line(cells);
    } else {
      nlohmann::ordered_json j;
      j["customer_id"] = r.customer_id, j["segment"] = r.segment, j["segment_name"] = seg.name;
      j["confidence"] = r.confidence ? nlohmann::json(std::stod(fmt::format("{}", *r.confidence))) : nlohmann::json(nullptr);
      j["since"] = format_datetime(r.since);
      j["clv"] = number(v.clv, "{:.2f}"), j["p_alive"] = number(v.p_alive, "{:.4g}"), j["churn_risk"] = number(v.churn_risk, "{:.4g}");
      j["characteristics"] = seg.characteristics;
      if (contacts) {
        const Contact& c = contact_of(*contacts, r.customer_id);
        const auto text = [](const std::string& t) { return t.empty() ? nlohmann::json(nullptr) : nlohmann::json(t); };
        j["email"] = text(c.email), j["signup_date"] = text(c.signup_date), j["region"] = text(c.region);
        j["age"] = c.age.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::stod(c.age));
        j["loyalty_tier"] = text(c.loyalty_tier);
      }
      out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
  }
  return out;
}

std::string salesforce_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments,
                             const Contacts* contacts) {
  std::string out = fmt::format("Kohort_Customer_Id__c,{}", contacts ? "Email," : "");
  out += "Kohort_Segment__c,Kohort_Segment_Name__c,Kohort_Confidence__c,Kohort_Segment_Since__c,"
      "Kohort_CLV__c,Kohort_P_Alive__c,Kohort_Churn_Risk__c,Kohort_Characteristics__c\n";
  const SegmentText none;
  const auto cell = [](float v, const char* spec) { return std::isnan(v) ? std::string("#N/A") : fmt::format(fmt::runtime(spec), v); };
  for (const auto& r : s.rows) {
    const auto it = segments.find(r.segment);
    const SegmentText& seg = it == segments.end() ? none : it->second;
    std::string id = csv_cell(r.customer_id);
    if (contacts) {
      const std::string& email = contact_of(*contacts, r.customer_id).email;
      id.push_back(',');
      id.append(email.empty() ? std::string("#N/A") : csv_cell(email));
    }
    out += line({id, std::to_string(r.segment), csv_cell(neutralise_formula(seg.name)),
                 r.confidence ? fmt::format("{:.6g}", *r.confidence) : std::string("#N/A"), format_date(r.since),
                 cell(r.value.clv, "{:.2f}"), cell(r.value.p_alive, "{:.4g}"), cell(r.value.churn_risk, "{:.4g}"),
                 seg.characteristics.empty() ? std::string("#N/A") : csv_cell(neutralise_formula(seg.characteristics))});
  }
  return out;
}

std::string hubspot_table(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments, const Contacts& contacts,
                          std::int64_t& without_email) {
  std::string out =
      "Email,kohort_customer_id,kohort_segment,kohort_segment_name,kohort_confidence,kohort_segment_since,kohort_clv,"
      "kohort_p_alive,kohort_churn_risk,kohort_characteristics\n";
  const SegmentText none;
  const auto cell = [](float v, const char* spec) { return std::isnan(v) ? std::string() : fmt::format(fmt::runtime(spec), v); };
  without_email = 0;
  for (const auto& r : s.rows) {
    const std::string& email = contact_of(contacts, r.customer_id).email;
    if (email.empty()) {
      ++without_email;
      continue;
    }
    const auto it = segments.find(r.segment);
    const SegmentText& seg = it == segments.end() ? none : it->second;
    out += line({csv_cell(neutralise_formula(email)), csv_cell(r.customer_id), std::to_string(r.segment),
                 csv_cell(neutralise_formula(seg.name)), r.confidence ? fmt::format("{:.6g}", *r.confidence) : std::string(),
                 format_date(r.since), cell(r.value.clv, "{:.2f}"), cell(r.value.p_alive, "{:.4g}"),
                 cell(r.value.churn_risk, "{:.4g}"), csv_cell(neutralise_formula(seg.characteristics))});
  }
  return out;
}

std::string klaviyo_jobs(const Snapshot& s, const std::map<std::int32_t, SegmentText>& segments, const Contacts* contacts,
                         std::size_t max_profiles, std::size_t max_bytes) {
  constexpr std::string_view head = R"({"data":{"type":"profile-bulk-import-job","attributes":{"profiles":{"data":[)";
  constexpr std::string_view tail = "]}}}}\n";
  const SegmentText none;
  std::string out, job;
  std::size_t in_job = 0;
  const auto flush = [&] {
    if (in_job == 0) return;
    out.append(head).append(job).append(tail);
    job.clear();
    in_job = 0;
  };
  for (const auto& r : s.rows) {
    const auto it = segments.find(r.segment);
    const SegmentText& seg = it == segments.end() ? none : it->second;
    nlohmann::ordered_json p;
    p["kohort_segment"] = r.segment, p["kohort_segment_name"] = seg.name;
    if (r.confidence) p["kohort_confidence"] = std::stod(fmt::format("{}", *r.confidence));
    p["kohort_segment_since"] = format_date(r.since);
    if (!std::isnan(r.value.clv)) p["kohort_clv"] = std::stod(fmt::format("{:.2f}", r.value.clv));
    if (!std::isnan(r.value.p_alive)) p["kohort_p_alive"] = std::stod(fmt::format("{:.4g}", r.value.p_alive));
    if (!std::isnan(r.value.churn_risk)) p["kohort_churn_risk"] = std::stod(fmt::format("{:.4g}", r.value.churn_risk));
    if (!seg.characteristics.empty()) p["kohort_characteristics"] = seg.characteristics;
    nlohmann::ordered_json who = {{"external_id", r.customer_id}};
    if (contacts)
      if (const std::string& email = contact_of(*contacts, r.customer_id).email; !email.empty()) who["email"] = email;
    who["properties"] = p;
    nlohmann::ordered_json profile = {{"type", "profile"}, {"attributes", who}};
    const std::string text = profile.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (in_job > 0 && (in_job == max_profiles || head.size() + job.size() + 1 + text.size() + tail.size() > max_bytes)) flush();
    job += (in_job++ ? "," : "") + text;
  }
  flush();
  return out;
}

std::string segments_table(const std::vector<store::SegmentRecord>& segments, TableFormat format) {
  std::string out = format == TableFormat::csv
                        ? "segment,name,size,share,revenue_share,clv_12m,p_alive,churn_risk,characteristics\n"
                        : "";
  for (const auto& seg : segments) {
    const auto p = nlohmann::json::parse(seg.profile_json, nullptr, false);
    const auto number = [&](const char* key) {
      return p.is_object() && p.contains(key) && p[key].is_number() ? p[key] : nlohmann::json(nullptr);
    };
    const std::string words = characteristics(seg.profile_json);
    if (format == TableFormat::csv) {
      const auto cell = [&](const char* key) { return number(key).is_null() ? std::string() : fmt::format("{:.6g}", number(key).get<double>()); };
      out += line({std::to_string(seg.id), csv_cell(neutralise_formula(seg.name)), std::to_string(seg.size),
                   fmt::format("{:.6g}", seg.share), cell("revenue_share"), cell("clv_12m"), cell("p_alive"), cell("churn_risk"),
                   csv_cell(neutralise_formula(words))});
    } else {
      nlohmann::ordered_json j;
      j["segment"] = seg.id, j["name"] = seg.name, j["size"] = seg.size, j["share"] = seg.share;
      for (const char* key : {"revenue_share", "clv_12m", "p_alive", "churn_risk"}) j[key] = number(key);
      j["characteristics"] = words;
      out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
  }
  return out;
}

std::string transitions_table(const std::vector<store::TransitionRecord>& moves, TableFormat format) {
  std::string out = format == TableFormat::csv ? "customer_id,from_segment,to_segment,as_of,reason\n" : "";
  for (const auto& t : moves) {
    if (format == TableFormat::csv) {
      out += line({csv_cell(t.customer_id), optional_segment(t.from), optional_segment(t.to), t.as_of, t.reason});
    } else {
      out += nlohmann::json{{"customer_id", t.customer_id},
                            {"from_segment", t.from ? nlohmann::json(*t.from) : nlohmann::json(nullptr)},
                            {"to_segment", t.to ? nlohmann::json(*t.to) : nlohmann::json(nullptr)},
                            {"as_of", t.as_of},
                            {"reason", t.reason}}
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    }
  }
  return out;
}

std::string dead_letters_table(const std::vector<store::DeadLetter>& letters, TableFormat format) {
  std::string out =
      format == TableFormat::csv ? "destination,event_id,customer_id,as_of,type,segment,attempts,last_error,failed_at\n" : "";
  for (const auto& d : letters) {
    const auto payload = nlohmann::json::parse(d.payload_json, nullptr, false);
    const auto field = [&](const char* key) {
      return payload.is_object() && payload.contains(key) ? payload[key] : nlohmann::json(nullptr);
    };
    const nlohmann::json type = field("type"), segment = field("segment");
    const std::string where = redact_url(d.destination);
    if (format == TableFormat::csv) {
      out += line({csv_cell(where), csv_cell(d.event_id), csv_cell(d.customer_id), d.as_of,
                   type.is_string() ? type.get<std::string>() : std::string(), segment.is_number() ? segment.dump() : std::string(),
                   std::to_string(d.attempts), csv_cell(neutralise_formula(d.last_error)), d.failed_at});
    } else {
      out += nlohmann::json{{"destination", where}, {"event_id", d.event_id}, {"customer_id", d.customer_id},
                            {"as_of", d.as_of},     {"type", type},           {"segment", segment},
                            {"attempts", d.attempts}, {"last_error", d.last_error}, {"failed_at", d.failed_at}}
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    }
  }
  return out;
}

}  // namespace kohort::assign
