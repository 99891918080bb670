#include "http/errors.h"

#include <boost/json.hpp>
#include <unordered_map>

namespace sg::http {

int status_for(const std::string& code) {
  static const std::unordered_map<std::string, int> kStatus{
      {"invalid_request", 400},
      {"unauthorized", 401},
      {"forbidden", 403},
      {"csrf_failed", 403},
      {"not_found", 404},
      {"method_not_allowed", 405},
      {"marketo_not_connected", 409},
      {"check_enabled", 409},
      {"idempotency_key_reused", 409},
      {"user_exists", 409},
      {"last_admin", 409},
      {"already_enrolled", 409},
      {"marketo_unsubscribed", 409},
      {"payload_too_large", 413},
      {"unsupported_media_type", 415},
      {"recipient_unsubscribed", 422},
      {"marketo_auth_failed", 422},
      {"marketo_unreachable", 422},
      {"marketo_rest_auth_failed", 422},
      {"marketo_rest_unreachable", 422},
      {"marketo_access_denied", 422},
      {"marketo_address_refused", 422},
      {"rate_limited", 429},
      {"unsubscribe_check_unavailable", 503},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

Response error_response(const Error& error) {
  boost::json::object inner{{"code", error.code}, {"message", error.message}};
  if (!error.field.empty()) inner["field"] = error.field;
  if (!error.recipients.empty()) {
    boost::json::array list;
    for (const auto& r : error.recipients) list.emplace_back(r);
    inner["recipients"] = std::move(list);
  }
  Response res;
  res.status = status_for(error.code);
  res.body = boost::json::serialize(boost::json::object{{"error", std::move(inner)}});
  if (error.retry_after_seconds > 0) res.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  return res;
}

Response no_content(const Status& status) {
  return status ? Response{204, "application/json", "", {}} : error_response(status.error());
}

}  // namespace sg::http
