#include "kohort/io/internal/schema.h"

#include <utility>

namespace kohort::io::internal {

namespace {

using events::Stream;
using SV = std::string_view;

constexpr SV kCustomer[] = {"customer_id", "CustomerID", "customer", "user_id", "client_id",
                            "masterid", "cust_id", "customer_no", "customer_number",
                            "member_id", "account_id", "buyer_id", "user", "client",
                            "customer_email", "email"};
constexpr SV kTime[] = {"timestamp", "InvoiceDate", "date", "order_date", "event_time", "time",
                        "datetime", "created_at", "purchase_date", "transaction_date",
                        "event_date", "session_start", "sent_at", "contact_date"};
constexpr SV kAmount[] = {"amount", "sales", "revenue", "total", "value", "total_amount",
                          "order_total", "line_total", "net_amount", "spend", "monetary",
                          "dollar_value", "dollars", "total_price", "order_value"};
constexpr SV kUnitPrice[] = {"unit_price", "UnitPrice", "price", "item_price", "lineitem_price"};
constexpr SV kQuantity[] = {"quantity", "Quantity", "qty", "units", "number_of_items",
                            "lineitem_quantity"};
// "name" last: Shopify's order export names each order ("#1001") in its Name column.
constexpr SV kOrder[] = {"order_id", "InvoiceNo", "Invoice", "invoice_id", "order",
                         "order_no", "order_number", "transaction_id", "order_name", "name"};
constexpr SV kProduct[] = {"product_id", "StockCode", "sku", "product", "item_id", "item",
                           "lineitem_sku", "lineitem_name"};
constexpr SV kCategory[] = {"category", "product_category", "category_name", "department"};
constexpr SV kChannel[] = {"channel", "sales_channel", "source"};
constexpr SV kPayment[] = {"payment_method", "payment", "payment_type"};
constexpr SV kDiscount[] = {"discount", "discount_rate", "discount_pct"};
constexpr SV kReturned[] = {"returned", "is_return", "return", "is_returned"};
constexpr SV kDuration[] = {"duration_s", "duration", "session_duration", "duration_seconds"};
constexpr SV kPages[] = {"pages", "page_views", "pageviews", "page_count"};
constexpr SV kSearch[] = {"search", "used_search", "searched"};
constexpr SV kDevice[] = {"device", "device_type", "platform"};
constexpr SV kEvent[] = {"event", "event_type", "action", "status"};
constexpr SV kCampaign[] = {"campaign", "campaign_id", "campaign_name"};
constexpr SV kTopic[] = {"topic", "reason", "subject", "issue"};
constexpr SV kSentiment[] = {"sentiment", "sentiment_score", "score"};
constexpr SV kSignup[] = {"signup_date", "signup", "created_at", "registration_date",
                          "join_date", "joined", "first_seen"};
constexpr SV kRegion[] = {"region", "country", "state"};
constexpr SV kAge[] = {"age"};
constexpr SV kTier[] = {"loyalty_tier", "tier", "loyalty", "loyalty_level"};
constexpr SV kEmailAddress[] = {"email", "email_address", "e_mail", "mail"};
constexpr SV kReferrer[] = {"referrer_id", "referrer", "referred_by", "inviter_id"};
constexpr SV kReferred[] = {"referred_id", "referred", "referee_id", "invitee_id"};

constexpr RoleSpec kTransactions[] = {
    {"customer", Kind::id, true, kCustomer},       {"time", Kind::time, true, kTime},
    {"amount", Kind::number, true, kAmount},       {"unit_price", Kind::number, false, kUnitPrice},
    {"quantity", Kind::number, false, kQuantity},  {"order_id", Kind::code, false, kOrder},
    {"product_id", Kind::code, false, kProduct},   {"category", Kind::code, false, kCategory},
    {"channel", Kind::code, false, kChannel},      {"payment_method", Kind::code, false, kPayment},
    {"discount", Kind::number, false, kDiscount},  {"returned", Kind::flag, false, kReturned},
};
constexpr RoleSpec kSessions[] = {
    {"customer", Kind::id, true, kCustomer},      {"time", Kind::time, true, kTime},
    {"duration_s", Kind::number, false, kDuration}, {"pages", Kind::number, false, kPages},
    {"category", Kind::code, false, kCategory},   {"search", Kind::flag, false, kSearch},
    {"device", Kind::code, false, kDevice},
};
constexpr RoleSpec kEmails[] = {
    {"customer", Kind::id, true, kCustomer},
    {"time", Kind::time, true, kTime},
    {"event", Kind::email, true, kEvent},
    {"campaign", Kind::code, false, kCampaign},
};
constexpr RoleSpec kSupport[] = {
    {"customer", Kind::id, true, kCustomer},
    {"time", Kind::time, true, kTime},
    {"topic", Kind::code, false, kTopic},
    {"sentiment", Kind::sentiment, false, kSentiment},
};
constexpr RoleSpec kCustomers[] = {
    {"customer", Kind::id, true, kCustomer},      {"signup_date", Kind::time, false, kSignup},
    {"region", Kind::code, false, kRegion},       {"age", Kind::number, false, kAge},
    {"loyalty_tier", Kind::code, false, kTier},   {"email", Kind::code, false, kEmailAddress},
};
constexpr RoleSpec kReferrals[] = {
    {"referrer", Kind::id, true, kReferrer},
    {"referred", Kind::id, true, kReferred},
    {"time", Kind::time, false, kTime},
};

}  // namespace

std::span<const RoleSpec> stream_roles(events::Stream s) {
  switch (s) {
    case Stream::transactions: return kTransactions;
    case Stream::sessions: return kSessions;
    case Stream::emails: return kEmails;
    case Stream::support: return kSupport;
    case Stream::customers: return kCustomers;
    case Stream::referrals: return kReferrals;
  }
  return kTransactions;
}

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '_' || c == ' ' || c == '-' || c == '.' || c == '\t') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

int role_slot(events::Stream s, std::string_view name) {
  const auto roles = stream_roles(s);
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i].name == name) return static_cast<int>(i);
  return -1;
}

Mapping infer_mapping(events::Stream s, std::span<const std::string> header,
                      std::span<const int> forced) {
  const auto roles = stream_roles(s);
  std::vector<std::string> norm;
  norm.reserve(header.size());
  for (const auto& h : header) norm.push_back(normalize_name(h));
  Mapping m;
  m.column.assign(roles.size(), -1);
  std::vector<bool> taken(header.size(), false);
  for (std::size_t r = 0; r < forced.size() && r < roles.size(); ++r) {
    if (forced[r] < 0) continue;
    m.column[r] = forced[r];
    taken[static_cast<std::size_t>(forced[r])] = true;
  }
  for (std::size_t r = 0; r < roles.size(); ++r) {
    if (m.column[r] >= 0) continue;
    for (SV alias : roles[r].aliases) {
      const std::string a = normalize_name(alias);
      for (std::size_t c = 0; c < header.size() && m.column[r] < 0; ++c) {
        if (!taken[c] && norm[c] == a) {
          m.column[r] = static_cast<int>(c);
          taken[c] = true;
        }
      }
      if (m.column[r] >= 0) break;
    }
  }
  if (s == Stream::transactions) {
    const int amount = role_slot(s, "amount"), price = role_slot(s, "unit_price"),
              qty = role_slot(s, "quantity");
    auto& a = m.column[static_cast<std::size_t>(amount)];
    auto& pc = m.column[static_cast<std::size_t>(price)];
    m.amount_from_price = a < 0 && pc >= 0 && m.column[static_cast<std::size_t>(qty)] >= 0;
    if (a < 0 && pc >= 0 && !m.amount_from_price && (forced.empty() || forced[static_cast<std::size_t>(price)] < 0))
      std::swap(a, pc);  // a price and no quantity: the price is what was paid
  }
  for (std::size_t c = 0; c < header.size(); ++c)
    if (!taken[c]) m.unused.push_back(static_cast<int>(c));
  return m;
}

}  // namespace kohort::io::internal
