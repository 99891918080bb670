#include "http/webhook_body.h"

#include <charconv>

#include "core/email_address.h"

namespace sg::http {
namespace json = boost::json;
namespace {

Result<bool> read_unsubscribed(const json::object& body) {
  const Error bad = Error::invalid("unsubscribed", "unsubscribed must be true or false (or \"true\", \"false\", "
                                                   "\"1\", \"0\")");
  const json::value* v = body.if_contains("unsubscribed");
  if (!v) return Error::invalid("unsubscribed", "unsubscribed is required");
  if (v->is_bool()) return v->as_bool();
  if (v->is_int64() && (v->as_int64() == 0 || v->as_int64() == 1)) return v->as_int64() == 1;
  if (!v->is_string()) return bad;
  const json::string& s = v->as_string();
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  return bad;
}

Result<std::optional<int64_t>> read_lead_id(const json::object& body) {
  const Error bad = Error::invalid("leadId", "leadId must be a positive whole number");
  const json::value* v = body.if_contains("leadId");
  if (!v || v->is_null()) return std::optional<int64_t>();
  int64_t id = 0;
  if (v->is_int64()) {
    id = v->as_int64();
  } else if (v->is_uint64()) {
    return bad;  // beyond any lead id
  } else if (v->is_string()) {
    const json::string& s = v->as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec != std::errc() || end != s.data() + s.size()) return bad;
  } else {
    return bad;
  }
  if (id <= 0) return bad;
  return std::optional<int64_t>(id);
}

}  // namespace

Result<settings::WebhookCall> parse_webhook_call(const json::object& body) {
  const json::value* email = body.if_contains("email");
  if (!email || !email->is_string() || email->as_string().empty())
    return Error::invalid("email", "email (the lead's address, a string) is required");
  auto address = EmailAddress::parse(std::string_view(email->as_string()));
  if (!address) return Error::invalid("email", address.error().message);
  auto unsubscribed = read_unsubscribed(body);
  if (!unsubscribed) return unsubscribed.error();
  auto lead_id = read_lead_id(body);
  if (!lead_id) return lead_id.error();
  return settings::WebhookCall{address->key(), *unsubscribed, *lead_id};
}

}  // namespace sg::http
