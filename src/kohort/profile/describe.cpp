#include "kohort/profile/describe.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace kohort::profile {

namespace {

// The word a feature contributes for one direction; noun words head the name.
struct Word {
  std::string_view text;
  bool noun = false;
};
struct Entry {
  std::string_view feature;  // exact name, or a prefix ending in '*'
  Word high, low;            // empty text: the direction says nothing nameable
  std::string_view idea;  // features of one idea (concept) speak once: the strongest decides
};

constexpr Word adj(std::string_view t) { return {t, false}; }
constexpr Word noun(std::string_view t) { return {t, true}; }
constexpr Word none{};

// The vocabulary of Kohort's own feature names (features/families). Order does not matter:
// a segment's words come in the order of its standardised differences.
constexpr Entry kLexicon[] = {
    {"recency_days", adj("lapsing"), adj("recently active"), "recency"},
    {"recency_vs_interval", adj("overdue"), none, "recency"},
    {"days_since_last_session", adj("offline"), none, "recency"},
    {"orders_total", adj("frequent"), adj("infrequent"), "frequency"},
    {"purchase_days_total", adj("frequent"), adj("infrequent"), "frequency"},
    {"orders_30d", adj("frequent"), none, "frequency"},
    {"orders_90d", adj("frequent"), adj("infrequent"), "frequency"},
    {"orders_365d", adj("frequent"), adj("infrequent"), "frequency"},
    {"interpurchase_days_mean", adj("infrequent"), adj("frequent"), "frequency"},
    {"interpurchase_days_median", adj("infrequent"), adj("frequent"), "frequency"},
    {"spend_total", noun("big spenders"), adj("low-spend"), "spend"},
    {"net_spend_total", noun("big spenders"), adj("low-spend"), "spend"},
    {"spend_365d", noun("big spenders"), adj("low-spend"), "spend"},
    {"spend_90d", noun("big spenders"), adj("low-spend"), "spend"},
    {"spend_30d", noun("big spenders"), none, "spend"},
    {"spend_vs_population_median", noun("big spenders"), adj("low-spend"), "spend"},
    {"order_value_mean", adj("high-ticket"), adj("small-ticket"), "ticket"},
    {"order_value_max", adj("high-ticket"), adj("small-ticket"), "ticket"},
    {"unit_price_mean", adj("premium"), adj("budget"), "price"},
    {"items_per_order", adj("bulk-buying"), none, "basket"},
    {"lines_per_order", adj("big-basket"), none, "basket"},
    {"single_line_order_share", adj("single-item"), none, "basket"},
    {"discounted_order_share", noun("bargain hunters"), adj("full-price"), "discount"},
    {"discount_depth_mean", noun("deal seekers"), none, "discount"},
    {"full_price_spend_share", adj("full-price"), noun("bargain hunters"), "discount"},
    {"return_rate", noun("serial returners"), none, "returns"},
    {"returned_spend_share", noun("serial returners"), none, "returns"},
    {"refund_share", noun("serial returners"), none, "returns"},
    {"tenure_days", adj("long-standing"), adj("new"), "tenure"},
    {"signup_tenure_days", adj("long-standing"), adj("new"), "tenure"},
    {"lifecycle_new", adj("new"), none, "tenure"},
    {"lifecycle_growing", adj("growing"), none, "growth"},
    {"lifecycle_declining", adj("declining"), none, "growth"},
    {"orders_trend_*", adj("accelerating"), adj("slowing"), "growth"},
    {"spend_trend_*", adj("accelerating"), adj("slowing"), "growth"},
    {"order_value_cv", adj("erratic"), none, "regularity"},
    {"interpurchase_cv", adj("irregular"), adj("regular"), "regularity"},
    {"sessions_total", adj("browse-heavy"), none, "browsing"},
    {"sessions_30d", adj("browse-heavy"), none, "browsing"},
    {"sessions_90d", adj("browse-heavy"), none, "browsing"},
    {"sessions_365d", adj("browse-heavy"), none, "browsing"},
    {"session_days_total", adj("browse-heavy"), none, "browsing"},
    {"pages_per_session", adj("deep-browsing"), none, "browsing"},
    {"session_minutes_mean", adj("deep-browsing"), none, "browsing"},
    {"browse_to_buy_conversion", adj("decisive"), noun("window shoppers"), "conversion"},
    {"sessions_before_first_purchase", noun("window shoppers"), none, "conversion"},
    {"email_open_rate", noun("email responders"), adj("email-silent"), "email"},
    {"email_click_rate", noun("email responders"), adj("email-silent"), "email"},
    {"email_click_to_open", noun("email responders"), none, "email"},
    {"email_unsubscribed", adj("unsubscribed"), none, "email"},
    {"days_since_email_engagement", adj("email-silent"), none, "email"},
    {"contacts_total", adj("support-heavy"), none, "support"},
    {"contacts_365d", adj("support-heavy"), none, "support"},
    {"contacts_per_year", adj("support-heavy"), none, "support"},
    {"sentiment_mean", none, adj("unhappy"), "support"},
    {"negative_contact_share", adj("unhappy"), none, "support"},
    {"channel_share_app", adj("app-first"), none, "app"},
    {"device_share_app", adj("app-first"), none, "app"},
    {"channel_share_web", adj("web-first"), none, "web"},
    {"device_share_web", adj("web-first"), none, "web"},
    {"channel_share_store", adj("in-store"), none, "store"},
    {"category_share_*", adj("{}-focused"), none, "category"},
    {"payment_share_bnpl", adj("pay-later"), none, "payment"},
    {"payment_share_*", adj("{}-paying"), none, "payment"},
    {"category_entropy", adj("variety-seeking"), adj("single-category"), "variety"},
    {"categories_total", adj("variety-seeking"), none, "variety"},
    {"main_category_share", adj("single-category"), adj("variety-seeking"), "variety"},
    {"referrals_made", noun("advocates"), none, "referrals"},
    {"referrals_second_degree", noun("advocates"), none, "referrals"},
    {"referral_pagerank", adj("influential"), none, "referrals"},
    {"loyalty_tier", adj("top-tier"), adj("entry-tier"), "tier"},
    {"age", adj("older"), adj("younger"), "age"},
    {"region_*", adj("{}-region"), none, "region"},
};

constexpr double kNameableDiff = 0.25;

// What a feature says in the direction of `diff`: its concept (with the level for a family
// such as category_share_*) and its word, `{}` filled by the level (empty text: nothing).
struct Said {
  std::string idea, text;
  bool noun = false;
};

std::optional<Said> word_for(std::string_view name, double diff) {
  for (const Entry& e : kLexicon) {
    std::string level;
    if (!e.feature.empty() && e.feature.back() == '*') {
      const std::string_view prefix = e.feature.substr(0, e.feature.size() - 1);
      if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size()) continue;
      level = std::string(name.substr(prefix.size()));
      std::replace(level.begin(), level.end(), '_', ' ');
    } else if (name != e.feature) {
      continue;
    }
    const Word& w = diff > 0 ? e.high : e.low;
    Said said{std::string(e.idea) + (level.empty() ? "" : ":" + level), std::string(w.text), w.noun};
    if (const auto at = said.text.find("{}"); at != std::string::npos) said.text.replace(at, 2, level);
    return said;
  }
  return std::nullopt;
}

// Words of a segment in order of |std_diff|: the first noun heads the name.
struct Words {
  std::string noun;
  std::vector<std::string> adjectives;
};

Words words_of(std::span<const features::FeatureInfo> info, const SegmentProfile& s) {
  std::vector<std::size_t> order;
  for (std::size_t f = 0; f < s.std_diff.size(); ++f)
    if (std::isfinite(s.std_diff[f]) && std::fabs(s.std_diff[f]) >= kNameableDiff) order.push_back(f);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return std::fabs(s.std_diff[a]) > std::fabs(s.std_diff[b]); });
  Words w;
  std::vector<std::string> spoken;  // concepts whose strongest feature has had its say
  for (std::size_t f : order) {
    const auto word = word_for(info[f].name, s.std_diff[f]);
    if (!word || std::find(spoken.begin(), spoken.end(), word->idea) != spoken.end()) continue;
    spoken.push_back(word->idea);
    if (word->text.empty()) continue;
    if (word->noun) {
      if (w.noun.empty()) w.noun = word->text;
      continue;
    }
    if (std::find(w.adjectives.begin(), w.adjectives.end(), word->text) == w.adjectives.end() &&
        word->text != w.noun)
      w.adjectives.push_back(word->text);
  }
  // Contradictory pairs can come from different features; keep the stronger (earlier) one.
  static constexpr std::pair<std::string_view, std::string_view> kOpposites[] = {
      {"frequent", "infrequent"}, {"new", "long-standing"}, {"accelerating", "slowing"},
      {"lapsing", "recently active"}, {"full-price", "bargain hunters"}};
  std::vector<std::string> kept;
  for (const auto& a : w.adjectives) {
    bool clash = false;
    for (const auto& [x, y] : kOpposites)
      for (const auto& k : kept)
        if ((a == x && k == y) || (a == y && k == x)) clash = true;
    for (const auto& [x, y] : kOpposites)
      if ((a == x && w.noun == y) || (a == y && w.noun == x)) clash = true;
    if (!clash) kept.push_back(a);
  }
  w.adjectives = std::move(kept);
  if (w.noun.empty()) w.noun = "customers";
  return w;
}

std::string compose(const Words& w, std::size_t adjectives) {
  std::string name;
  for (std::size_t i = 0; i < std::min(adjectives, w.adjectives.size()); ++i) name += w.adjectives[i] + " ";
  name += w.noun;
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

// Names that use the same words in another order ("Frequent variety-seeking big spenders",
// "Variety-seeking frequent big spenders") count as the same name.
std::string name_key(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name + " ") {
    if (c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  std::sort(words.begin(), words.end());
  std::string key;
  for (const auto& w : words) key += w + " ";
  return key;
}

std::string percent(double v) {
  const double p = 100 * v;
  if (p > 0 && p < 1) return "<1%";
  return fmt::format("{:.0f}%", p);
}

std::string roman(std::size_t i) {
  static constexpr std::string_view kNumerals[] = {"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"};
  return i < std::size(kNumerals) ? std::string(kNumerals[i]) : std::to_string(i + 1);
}

}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::fabs(v);
  if (a >= 1000) {
    std::string digits = fmt::format("{:.0f}", a);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
  }
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  if (a == 0) return "0";
  return fmt::format("{:.3g}", v);
}

std::vector<std::string> name_segments(std::span<const features::FeatureInfo> info, const Profiles& profiles) {
  const auto& segs = profiles.segments;
  std::vector<Words> words;
  for (const auto& s : segs) words.push_back(words_of(info, s));
  std::vector<std::size_t> used(segs.size(), 2);
  std::vector<std::string> names(segs.size());
  for (std::size_t i = 0; i < segs.size(); ++i) names[i] = compose(words[i], used[i]);
  // Lengthen coinciding names while they have words left.
  for (int round = 0; round < 4; ++round) {
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < segs.size(); ++i) groups[name_key(names[i])].push_back(i);
    bool changed = false;
    for (auto& [name, members] : groups) {
      if (members.size() < 2) continue;
      for (std::size_t i : members)
        if (used[i] < words[i].adjectives.size()) {
          ++used[i];
          names[i] = compose(words[i], used[i]);
          changed = true;
        }
    }
    if (!changed) break;
  }
  // Number what still coincides, largest segment first.
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < segs.size(); ++i) groups[name_key(names[i])].push_back(i);
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    std::stable_sort(members.begin(), members.end(),
                     [&](std::size_t a, std::size_t b) { return segs[a].size > segs[b].size; });
    for (std::size_t r = 0; r < members.size(); ++r)
      names[members[r]] = fmt::format("{} {}", names[members[r]], roman(r));
  }
  return names;
}

std::string evidence(const features::FeatureInfo& f, const Driver& d) {
  const double s = d.segment_mean, p = d.population_mean;
  if (f.unit == "share" || f.unit == "flag")
    return fmt::format("{} {} vs {} overall", f.phrase, percent(s), percent(p));
  if (f.unit == "days" || f.unit == "years" || f.unit == "rank" || f.unit == "score" || f.unit == "nats")
    return fmt::format("{} {} vs {} on average", f.phrase, format_number(s), format_number(p));
  if (p > 0 && s >= 0) {
    const double r = s / p;
    if (r >= 1.25 || r <= 0.8)
      return fmt::format("{} {}× the average ({} vs {})", f.phrase, r >= 10 ? fmt::format("{:.0f}", r) : fmt::format("{:.1f}", r),
                         format_number(s), format_number(p));
  }
  return fmt::format("{} {} vs {} on average", f.phrase, format_number(s), format_number(p));
}

std::string narrative(std::span<const features::FeatureInfo> info, const SegmentProfile& s, const Population& pop,
                      double churn_horizon_days) {
  std::string text = fmt::format("{} of customers, bringing {} of revenue.", percent(s.share),
                                 percent(s.business.revenue_share));
  std::vector<std::string> ev;
  for (const auto& d : s.drivers) {
    if (ev.size() == 3) break;
    ev.push_back(evidence(info[static_cast<std::size_t>(d.feature)], d));
  }
  if (!ev.empty()) {
    text += " Compared with the average customer: ";
    for (std::size_t i = 0; i < ev.size(); ++i)
      text += (i == 0 ? "" : i + 1 == ev.size() ? "; and " : "; ") + ev[i];
    text += ".";
  }
  const auto& b = s.business;
  const auto& pb = pop.business;
  if (std::isfinite(b.clv_12m) && std::isfinite(pb.clv_12m) && pb.clv_12m > 0) {
    text += fmt::format(" Expected 12-month value {} per customer ({:.1f}× the average)", format_number(b.clv_12m),
                        b.clv_12m / pb.clv_12m);
    if (std::isfinite(b.churn_risk))
      text += fmt::format("; chance of no purchase in the next {:g} days {} against {} overall", churn_horizon_days,
                          percent(b.churn_risk), percent(pb.churn_risk));
    text += ".";
  }
  return text;
}

std::string condition_text(const features::FeatureInfo& f, bool greater, double t) {
  if (f.unit == "flag") return (greater ? "" : "not ") + f.phrase;
  const std::string op = greater ? ">" : "≤";
  if (f.unit == "share") return fmt::format("{} {} {}", f.phrase, op, percent(t));
  return fmt::format("{} {} {}", f.phrase, op, format_number(t));
}

}  // namespace kohort::profile
