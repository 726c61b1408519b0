#include "kohort/sim/internal/customer_block.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "kohort/core/rng.h"
#include "kohort/sim/internal/distributions.h"
#include "kohort/sim/internal/purchase_process.h"
#include "kohort/sim/personas.h"

namespace kohort::sim::internal {

namespace {

constexpr double kDay = static_cast<double>(kSecondsPerDay);
constexpr Seconds kCampaignEvery = 14 * kSecondsPerDay;
constexpr std::size_t kMaxLine = 256;
// Email event spellings, indexed by Event::kind, followed by the campaign prefix.
constexpr std::array<std::string_view, 4> kEvent = {",sent,cmp-", ",open,cmp-", ",click,cmp-",
                                                    ",unsubscribe,cmp-"};

// Per-customer draws made for the whole block first, so that referrals can look back.
struct Draw {
  int persona = 0;
  double lambda = 0, p = 0, nu = 0;
  Seconds t0 = 0, signup = 0;
  double refer_weight = 0;
  bool wants_referral = false;
  index_t referrer = -1;  // index in the block, or -1
};

struct Order {
  Seconds time;
  int channel;
  int category;
};

struct Event {
  Seconds time;
  int kind;   // stream specific: email event, support topic
  int value;  // email campaign number
  double x;   // support sentiment
};

struct Session {
  Seconds time;
  int category;
  int pages;
  int duration;
  bool search;
  bool app;
};

// Scratch vectors reused for every customer of a block.
struct Scratch {
  std::vector<Seconds> purchases, times, returns;
  std::vector<Order> orders;
  std::vector<Session> sessions;
  std::vector<Event> events;
};

template <std::size_t N>
int pick(Rng& rng, const std::array<double, N>& w) {
  return categorical(rng, std::span<const double>(w.data(), N));
}

template <std::size_t N>
std::array<double, N> dirichlet_around(Rng& rng, const std::array<double, N>& centre,
                                       double concentration) {
  std::array<double, N> out{};
  dirichlet(rng, std::span<const double>(centre.data(), N), concentration,
            std::span<double>(out.data(), N));
  return out;
}

bool in_gift_season(Seconds t) { return civil_from_days(day_of(t)).month >= 11; }

class BlockWriter {
 public:
  BlockWriter(const BlockSettings& s, index_t block, BlockOutput& out)
      : s_(s),
        block_(block),
        out_(out),
        table_(personas()),
        main_(s.seed, "sim.customer", static_cast<std::uint64_t>(block)),
        sess_rng_(s.seed, "sim.sessions", static_cast<std::uint64_t>(block)),
        mail_rng_(s.seed, "sim.emails", static_cast<std::uint64_t>(block)),
        support_rng_(s.seed, "sim.support", static_cast<std::uint64_t>(block)) {}

  void run() {
    for (auto& t : out_.text) t.clear();
    out_.rows.fill(0);
    if (block_ == 0)
      for (int k = 0; k < kStreamCount; ++k)
        out_.text[static_cast<std::size_t>(k)].append(kHeaders[static_cast<std::size_t>(k)]);
    const index_t first = block_ * s_.block_customers;
    const index_t last = std::min(s_.customers, first + s_.block_customers);
    draw_customers(first, last);
    choose_referrers();
    for (index_t i = 0; i < last - first; ++i) write_customer(first, i);
  }

 private:
  OutBuffer& text(StreamIndex k) { return out_.text[static_cast<std::size_t>(k)]; }
  const Persona& persona(int id) const {
    return id == static_cast<int>(table_.size()) ? emerging_persona() : table_[static_cast<std::size_t>(id)];
  }
  void count(StreamIndex k) { ++out_.rows[static_cast<std::size_t>(k)]; }

  char* put_id(char* p, index_t global_index) const {
    *p++ = 'C';
    return put_padded(p, static_cast<std::uint64_t>(global_index + 1), s_.id_width);
  }

  void draw_customers(index_t first, index_t last) {
    std::vector<double> shares;
    for (const Persona& q : table_) shares.push_back(q.share * (s_.drift_emerge ? 1 - kEmergingShare : 1));
    if (s_.drift_emerge) shares.push_back(kEmergingShare);
    draws_.assign(static_cast<std::size_t>(last - first), Draw{});
    const double days = static_cast<double>(s_.end - s_.start) / kDay;
    for (auto& d : draws_) {
      d.persona = categorical(main_, shares);
      const Persona& q = persona(d.persona);
      d.lambda = gamma(main_, q.r, 1.0 / q.alpha);
      d.p = beta(main_, q.drop_a, q.drop_b);
      d.nu = gamma(main_, q.gg_q, 1.0 / q.gg_gamma);
      if (d.persona == static_cast<int>(table_.size())) {
        d.t0 = std::min(s_.end - 1, s_.drift + static_cast<Seconds>(exponential(main_, 1.0 / kEmergingArrivalDays) * kDay));
      } else if (bernoulli(main_, q.existing)) {
        d.t0 = s_.start - 1 - static_cast<Seconds>(main_.uniform() * q.history_days * kDay);
      } else {
        d.t0 = s_.start + static_cast<Seconds>(beta(main_, q.acq_a, q.acq_b) * days * kDay);
        if (d.t0 >= s_.end) d.t0 = s_.end - 1;
      }
      d.signup = d.t0 - static_cast<Seconds>(exponential(main_, 0.5) * kDay);
      d.refer_weight = gamma(main_, 1.5, q.refer_weight / 1.5);
      d.wants_referral = bernoulli(main_, q.referred);
    }
  }

  // A referred customer's referrer is an earlier customer of the same block, chosen with
  // probability proportional to referral propensity among those who signed up before.
  void choose_referrers() {
    const std::size_t n = draws_.size();
    cum_.assign(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) cum_[i + 1] = cum_[i] + draws_[i].refer_weight;
    for (std::size_t i = 1; i < n; ++i) {
      Draw& d = draws_[i];
      if (!d.wants_referral || d.signup < s_.start) continue;
      for (int attempt = 0; attempt < 8; ++attempt) {
        const double u = main_.uniform() * cum_[i];
        auto it =
            std::upper_bound(cum_.begin(), cum_.begin() + static_cast<std::ptrdiff_t>(i + 1), u);
        std::size_t j = static_cast<std::size_t>(it - cum_.begin()) - 1;
        if (j >= i) j = i - 1;
        if (draws_[j].signup < d.signup) {
          d.referrer = static_cast<index_t>(j);
          break;
        }
      }
    }
  }

  void write_customer(index_t first, index_t i) {
    const Draw& d = draws_[static_cast<std::size_t>(i)];
    const Persona& q = persona(d.persona);
    const index_t g = first + i;
    char id[24];
    const std::size_t id_len = static_cast<std::size_t>(put_id(id, g) - id);
    const std::string_view cid(id, id_len);
    const bool drifting = s_.drift_shift;

    // Customer-level behaviour, all from the main stream.
    Rng& r = main_;
    const double extra_lines = gamma(r, 2.0, q.extra_lines / 2.0);
    const double extra_qty = gamma(r, 2.0, q.extra_qty / 2.0);
    const double disc_share = beta(r, q.disc_a, q.disc_b);
    const double disc_depth = q.disc_depth * gamma(r, 6.0, 1.0 / 6.0);
    const double ret = beta(r, q.ret_a, q.ret_b);
    const auto cat = dirichlet_around(r, q.category, q.category_conc);
    const auto channel = dirichlet_around(r, q.channel, 30.0);
    const auto payment = dirichlet_around(r, q.payment, 25.0);
    std::array<double, 3> channel_drift = channel;
    for (std::size_t k = 0; k < 3; ++k) channel_drift[k] *= 1.0 - q.drift_app;
    channel_drift[1] += q.drift_app;
    const double q4 = q.q4 * gamma(r, 4.0, 0.25);
    const double gift = q4 / (1.0 + q4) * 0.5;

    RateModulation mod;
    mod.q4 = q4;
    if (drifting) {
      mod.drift_at = s_.drift;
      mod.drift_factor = q.drift_rate;
    }
    sc_.purchases.clear();
    const PurchaseRun run = simulate_purchases(r, d.lambda, d.p, d.t0, s_.end, mod, sc_.purchases);

    // Transactions.
    sc_.orders.clear();
    sc_.returns.clear();
    OutBuffer& tx = text(kTransactions);
    std::uint64_t order_no = 0;
    for (const Seconds t : sc_.purchases) {
      if (t < s_.start) continue;
      ++order_no;
      const bool after = drifting && t >= s_.drift;
      const std::int64_t scale = s_.drift_fault && t >= s_.drift ? 100 : 1;
      const double value = gamma(r, q.gg_p, 1.0 / d.nu);
      const int ch = pick(r, after ? channel_drift : channel);
      const int pay = pick(r, payment);
      const std::int64_t lines = 1 + poisson(r, extra_lines);
      const bool season = gift > 0 && in_gift_season(t);
      const double share_now = after ? std::min(1.0, disc_share + q.drift_discount) : disc_share;
      std::array<double, 64> w{};
      const std::size_t nl = static_cast<std::size_t>(std::min<std::int64_t>(lines, 64));
      double wsum = 0;
      for (std::size_t l = 0; l < nl; ++l) wsum += (w[l] = exponential(r, 1.0));
      int first_category = 0;
      for (std::size_t l = 0; l < nl; ++l) {
        const int c = season && bernoulli(r, gift) ? kGiftCategory : pick(r, cat);
        if (l == 0) first_category = c;
        const std::int64_t qty = 1 + poisson(r, extra_qty);
        const double uu = r.uniform();
        const std::uint64_t product = static_cast<std::uint64_t>(c) * 1000 +
                                      static_cast<std::uint64_t>(uu * uu * uu * 1000.0);
        double discount = 0;
        if (bernoulli(r, share_now))
          discount = std::clamp(disc_depth * (0.5 + r.uniform()), 0.05, 0.8);
        const bool returned = bernoulli(r, ret);
        const std::int64_t cents =
            std::max<std::int64_t>(1, std::llround(value * w[l] / wsum * 100.0));
        if (returned) sc_.returns.push_back(t);

        char* p = tx.line(kMaxLine);
        p = put(p, cid);
        p = put(p, ",O");
        p = put(p, std::string_view(id + 1, id_len - 1));
        p = put(p, '-');
        p = put_uint(p, order_no);
        p = put(p, ',');
        p = s_.days->put_datetime(p, t);
        p = put(p, ',');
        p = put_cents(p, cents * scale);
        p = put(p, ',');
        p = put_uint(p, static_cast<std::uint64_t>(qty));
        p = put(p, ",P");
        p = put_padded(p, product, 4);
        p = put(p, ',');
        p = put(p, kCategories[static_cast<std::size_t>(c)]);
        p = put(p, ',');
        p = put(p, kChannels[static_cast<std::size_t>(ch)]);
        p = put(p, ',');
        p = put(p, kPayments[static_cast<std::size_t>(pay)]);
        p = put(p, ',');
        p = put_fixed2(p, discount);
        p = put(p, returned ? ",1\n" : ",0\n");
        tx.commit(p);
        count(kTransactions);
      }
      sc_.orders.push_back({t, ch, first_category});
    }

    // Attributes (drawn whatever the stream selection, so that the main stream stays aligned).
    const int region = pick(r, q.region);
    const double age = std::clamp(std::round(q.age_mean + q.age_sd * normal(r)), 18.0, 95.0);
    const bool age_missing = bernoulli(r, q.age_missing);
    const int gender = pick(r, q.gender);
    const double mov = q.gg_p / d.nu;
    const double score = std::log1p(d.lambda * 365.0 * mov) + q.tier_offset + 0.6 * normal(r);
    const int tier = score < 5 ? 0 : score < 6 ? 1 : score < 7 ? 2 : score < 8 ? 3 : 4;

    {
      OutBuffer& tr = text(kTruth);
      char* p = tr.line(kMaxLine);
      p = put(p, cid);
      p = put(p, ',');
      p = put_uint(p, static_cast<std::uint64_t>(d.persona));
      p = fmt::format_to(p, ",{:.8g},{:.8g},", d.lambda, d.p);
      p = put_fixed2(p, mov);
      p = put(p, run.alive_at_end ? ",1\n" : ",0\n");
      tr.commit(p);
      count(kTruth);
    }
    if (!s_.all_streams) return;

    {
      OutBuffer& cu = text(kCustomers);
      char* p = cu.line(kMaxLine);
      p = put(p, cid);
      p = put(p, ',');
      p = s_.days->put_date(p, day_of(d.signup));
      p = put(p, ',');
      p = put(p, kRegions[static_cast<std::size_t>(region)]);
      p = put(p, ',');
      if (!age_missing) p = put_uint(p, static_cast<std::uint64_t>(age));
      p = put(p, ',');
      p = put(p, kTiers[static_cast<std::size_t>(tier)]);
      p = put(p, ',');
      p = put(p, kGenders[static_cast<std::size_t>(gender)]);
      p = put(p, ',');  // an address of the reserved example.com domain, from the id alone
      for (const char c : cid) p = put(p, static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      p = put(p, "@example.com");
      p = put(p, '\n');
      cu.commit(p);
      count(kCustomers);
    }
    if (d.referrer >= 0) {
      OutBuffer& rf = text(kReferrals);
      char* p = rf.line(kMaxLine);
      p = put_id(p, first + d.referrer);
      p = put(p, ',');
      p = put(p, cid);
      p = put(p, ',');
      p = s_.days->put_datetime(p, d.signup);
      p = put(p, '\n');
      rf.commit(p);
      count(kReferrals);
    }

    const Seconds active_from = std::max(s_.start, d.signup);
    const Seconds alive_until = std::clamp(run.dropout, active_from, s_.end);
    write_sessions(cid, q, cat, active_from, alive_until);
    write_emails(cid, q, d, alive_until);
    write_support(cid, q, active_from, alive_until);
  }

  void write_sessions(std::string_view cid, const Persona& q, const std::array<double, 8>& cat,
                      Seconds active_from, Seconds alive_until) {
    Rng& r = sess_rng_;
    const double rate = gamma(r, 2.0, q.sessions_per_day / 2.0);
    const double pages = q.pages * gamma(r, 4.0, 0.25);
    const double search = beta(r, q.search_a, q.search_b);
    const double app = beta(r, q.app_a, q.app_b);
    sc_.times.clear();
    poisson_times(r, rate, active_from, alive_until, sc_.times);
    poisson_times(r, 0.15 * rate, alive_until, s_.end, sc_.times);
    sc_.sessions.clear();
    for (const Seconds t : sc_.times) {
      const int pg = 1 + static_cast<int>(poisson(r, std::max(0.0, pages - 1.0)));
      const int dur = static_cast<int>(10.0 + pg * exponential(r, 1.0 / 40.0));
      const int c = pick(r, cat);
      const bool se = bernoulli(r, search);
      sc_.sessions.push_back({t, c, pg, dur, se, bernoulli(r, app)});
    }
    // Every web or app order is preceded by the session that converted.
    for (const Order& o : sc_.orders) {
      if (o.channel == 2) continue;
      const Seconds t = o.time - 60 - static_cast<Seconds>(r.uniform() * 2400.0);
      const int pg = 2 + static_cast<int>(poisson(r, pages));
      const int dur = static_cast<int>(60.0 + pg * exponential(r, 1.0 / 50.0));
      const bool se = bernoulli(r, search);
      if (t < s_.start) continue;
      sc_.sessions.push_back({t, o.category, pg, dur, se, o.channel == 1});
    }
    std::stable_sort(sc_.sessions.begin(), sc_.sessions.end(),
                     [](const Session& a, const Session& b) { return a.time < b.time; });
    OutBuffer& out = text(kSessions);
    for (const Session& s : sc_.sessions) {
      char* p = out.line(kMaxLine);
      p = put(p, cid);
      p = put(p, ',');
      p = s_.days->put_datetime(p, s.time);
      p = put(p, ',');
      p = put_uint(p, static_cast<std::uint64_t>(s.duration));
      p = put(p, ',');
      p = put_uint(p, static_cast<std::uint64_t>(s.pages));
      p = put(p, ',');
      p = put(p, kCategories[static_cast<std::size_t>(s.category)]);
      p = put(p, s.search ? ",1," : ",0,");
      p = put(p, s.app ? "app\n" : "web\n");
      out.commit(p);
      count(kSessions);
    }
  }

  void write_emails(std::string_view cid, const Persona& q, const Draw& d, Seconds alive_until) {
    Rng& r = mail_rng_;
    const bool subscribed = bernoulli(r, q.opt_in);
    const double open = beta(r, q.open_a, q.open_b);
    const double click = beta(r, q.click_a, q.click_b);
    const double unsub = beta(r, 1.0, 1.0 / q.unsub - 1.0);
    if (!subscribed) return;
    sc_.events.clear();
    int campaign = 0;
    for (Seconds send = s_.start + 3 * kSecondsPerDay + 9 * 3600; send < s_.end;
         send += kCampaignEvery) {
      ++campaign;
      if (send < d.signup || !bernoulli(r, 0.5)) continue;
      const Seconds sent = send + static_cast<Seconds>(r.uniform() * 7200.0);
      sc_.events.push_back({sent, 0, campaign, 0});
      const double p_open = sent < alive_until ? open : 0.35 * open;
      Seconds last = sent;
      if (bernoulli(r, p_open)) {
        last = sent + static_cast<Seconds>(exponential(r, 1.0 / (8 * 3600.0)));
        sc_.events.push_back({last, 1, campaign, 0});
        if (bernoulli(r, click)) {
          last += static_cast<Seconds>(exponential(r, 1.0 / 300.0));
          sc_.events.push_back({last, 2, campaign, 0});
        }
      }
      if (bernoulli(r, unsub)) {
        sc_.events.push_back({last + 30, 3, campaign, 0});
        break;
      }
    }
    std::stable_sort(sc_.events.begin(), sc_.events.end(),
                     [](const Event& a, const Event& b) { return a.time < b.time; });
    OutBuffer& out = text(kEmails);
    for (const Event& e : sc_.events) {
      if (e.time >= s_.end) continue;
      char* p = out.line(kMaxLine);
      p = put(p, cid);
      p = put(p, ',');
      p = s_.days->put_datetime(p, e.time);
      p = put(p, kEvent[static_cast<std::size_t>(e.kind)]);
      p = put_padded(p, static_cast<std::uint64_t>(e.value), 4);
      p = put(p, '\n');
      out.commit(p);
      count(kEmails);
    }
  }

  void write_support(std::string_view cid, const Persona& q, Seconds active_from,
                     Seconds alive_until) {
    Rng& r = support_rng_;
    const double rate = gamma(r, 2.0, q.support_per_year / 2.0) / 365.0;
    const auto topic = dirichlet_around(r, q.topic, 15.0);
    const double mood = q.sentiment + 0.25 * normal(r);
    sc_.times.clear();
    poisson_times(r, rate, active_from, alive_until, sc_.times);
    poisson_times(r, 0.3 * rate, alive_until, s_.end, sc_.times);
    sc_.events.clear();
    for (const Seconds t : sc_.times) sc_.events.push_back({t, pick(r, topic), 0, 0});
    for (const Seconds t : sc_.returns) {
      if (!bernoulli(r, 0.4)) continue;
      const Seconds c = t + static_cast<Seconds>(exponential(r, 1.0 / 3.0) * kDay);
      if (c < s_.end) sc_.events.push_back({c, 1, 0, 0});
    }
    for (Event& e : sc_.events)
      e.x = std::clamp(mood + 0.35 * normal(r) - (e.kind == 1 ? 0.15 : 0.0), -1.0, 1.0);
    std::stable_sort(sc_.events.begin(), sc_.events.end(),
                     [](const Event& a, const Event& b) { return a.time < b.time; });
    OutBuffer& out = text(kSupport);
    for (const Event& e : sc_.events) {
      char* p = out.line(kMaxLine);
      p = put(p, cid);
      p = put(p, ',');
      p = s_.days->put_datetime(p, e.time);
      p = put(p, ',');
      p = put(p, kTopics[static_cast<std::size_t>(e.kind)]);
      p = put(p, ',');
      p = put_fixed2(p, e.x);
      p = put(p, '\n');
      out.commit(p);
      count(kSupport);
    }
  }

  const BlockSettings& s_;
  index_t block_;
  BlockOutput& out_;
  std::span<const Persona> table_;
  Rng main_, sess_rng_, mail_rng_, support_rng_;
  std::vector<Draw> draws_;
  std::vector<double> cum_;
  Scratch sc_;
};

}  // namespace

void generate_block(const BlockSettings& settings, index_t block, BlockOutput& out) {
  BlockWriter(settings, block, out).run();
}

}  // namespace kohort::sim::internal
