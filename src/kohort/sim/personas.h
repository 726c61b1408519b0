// kohort/sim/personas.h — the simulator's persona table: rows of numbers, indexed 0..P-1.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace kohort::sim {

/// Value sets of the categorical columns the simulator writes (column order of the
/// per-persona probability arrays below).
inline constexpr std::array<std::string_view, 8> kCategories = {
    "electronics", "fashion", "home", "beauty", "grocery", "sports", "toys", "books"};
inline constexpr std::array<std::string_view, 3> kChannels = {"web", "app", "store"};
inline constexpr std::array<std::string_view, 5> kPayments = {"card", "paypal", "bnpl", "gift_card",
                                                              "cash"};
inline constexpr std::array<std::string_view, 5> kTopics = {"delivery", "return", "payment",
                                                            "product", "account"};
inline constexpr std::array<std::string_view, 5> kRegions = {"north", "south", "east", "west",
                                                             "central"};
/// Loyalty tiers in increasing order.
inline constexpr std::array<std::string_view, 5> kTiers = {"none", "bronze", "silver", "gold",
                                                           "platinum"};
inline constexpr std::array<std::string_view, 3> kGenders = {"F", "M", "X"};
/// Index of "toys" in kCategories (the category that gains in the Nov–Dec gift season).
inline constexpr int kGiftCategory = 6;

/// One persona: the centre and spread of every per-customer parameter. No field of a customer
/// is a function of the persona alone: each is drawn from the distribution named here, and the
/// distributions of neighbouring rows overlap. Rates are per day; money in currency units.
struct Persona {
  double share;  ///< fraction of customers (the table sums to 1)

  // Acquisition. The customer's first purchase is the BG/NBD birth.
  double existing;      ///< P(first purchase before --start)
  double history_days;  ///< existing customers' first purchase: start − U(0,1)·history_days
  double acq_a, acq_b;  ///< others: start + Beta(acq_a, acq_b)·days (acq_a > acq_b: late)

  // BG/NBD (Fader, Hardie & Lee 2005): lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b).
  double r, alpha;        ///< purchase rate per day; mean r/alpha
  double drop_a, drop_b;  ///< dropout probability after each repeat purchase; mean a/(a+b)

  // Gamma-Gamma (Fader, Hardie & Lee 2005b): order value ~ Gamma(gg_p, rate nu),
  // nu ~ Gamma(gg_q, rate gg_gamma); mean order value p·gamma/(q−1).
  double gg_p, gg_q, gg_gamma;

  // Basket.
  double extra_lines;     ///< mean order lines beyond the first (per customer ~ Gamma(2, ·))
  double extra_qty;       ///< mean units beyond the first per line (per customer ~ Gamma(2, ·))
  double disc_a, disc_b;  ///< share of lines bought on discount ~ Beta(disc_a, disc_b)
  double disc_depth;      ///< mean fraction taken off a discounted line
  double ret_a, ret_b;    ///< P(line returned) ~ Beta(ret_a, ret_b)
  /// Nov–Dec purchase rate is (1 + q4_c)× the other months' (q4_c ~ q4·Gamma(4, 1/4)), with
  /// the yearly mean rate kept at lambda.
  double q4;
  std::array<double, 8> category;  ///< centre of the Dirichlet over kCategories
  double category_conc;            ///< Dirichlet concentration (lower: more spread)
  std::array<double, 3> channel;   ///< centre over kChannels (concentration 30)
  std::array<double, 5> payment;   ///< centre over kPayments (concentration 25)

  // Sessions: browsing sessions per day while alive ~ Gamma(2, ·) around this mean (×0.15
  // after dropout), plus one session before each web or app order.
  double sessions_per_day;
  double pages;               ///< mean pages per browsing session
  double search_a, search_b;  ///< P(session uses search) ~ Beta
  double app_a, app_b;        ///< P(browsing session on the app) ~ Beta

  // Email: a campaign every 14 days to subscribed customers (each targeted with P 0.5).
  double opt_in;            ///< P(subscribed)
  double open_a, open_b;    ///< P(open | sent) ~ Beta (×0.35 after dropout)
  double click_a, click_b;  ///< P(click | open) ~ Beta
  double unsub;             ///< mean P(unsubscribe | sent) (per customer ~ Beta(1, 1/unsub − 1))

  // Support: contacts per year while alive ~ Gamma(2, ·) around this mean (×0.3 after
  // dropout), plus P 0.4 of a contact about each returned line.
  double support_per_year;
  std::array<double, 5> topic;  ///< centre over kTopics (concentration 15)
  double sentiment;             ///< customer mean sentiment ~ Normal(sentiment, 0.25)

  // Attributes.
  double age_mean, age_sd, age_missing;  ///< age ~ Normal, clamped to 18..95; P(missing)
  std::array<double, 5> region;          ///< P over kRegions
  std::array<double, 3> gender;          ///< P over kGenders
  double tier_offset;                    ///< added to log(1 + yearly spend) before tiering

  // Referrals (within a block of customers; the referrer has the smaller id).
  double refer_weight;  ///< mean referral propensity (per customer ~ Gamma(1.5, ·))
  double referred;      ///< P(an in-period customer came through a referral)

  // Drift after SimulateOptions::drift.
  double drift_rate;      ///< purchase rate multiplier (0.6..1.2 in the table)
  double drift_discount;  ///< added to the discount share, capped at 1 (0.02..0.2)
  double drift_app;       ///< fraction of the channel mix moved to "app" (0.05..0.3)
};

/// The persona table (12 rows). Persona ids in truth.csv index this table.
[[nodiscard]] std::span<const Persona> personas();

/// A persona the table lacks, for --drift-kind emerge: it acquires customers only after the
/// drift date; truth.csv gives it the id personas().size().
[[nodiscard]] const Persona& emerging_persona();
/// The share of customers drawn from emerging_persona() under --drift-kind emerge.
inline constexpr double kEmergingShare = 0.15;
/// Mean days from the drift date to an emerging customer's first purchase (exponential).
inline constexpr double kEmergingArrivalDays = 15;

}  // namespace kohort::sim
