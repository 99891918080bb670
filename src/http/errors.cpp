#include "http/errors.h"

#include <boost/json.hpp>
#include <string_view>
#include <unordered_map>

#include "marketo/error_codes.h"

namespace sg::http {

int status_for(const std::string& code) {
  static const std::unordered_map<std::string_view, int> kStatus{
      {errc::invalid_request, 400},
      {errc::unauthorized, 401},
      {errc::forbidden, 403},
      {errc::csrf_failed, 403},
      {errc::not_found, 404},
      {errc::method_not_allowed, 405},
      {marketo::errc::not_connected, 409},
      {errc::check_enabled, 409},
      {errc::idempotency_key_reused, 409},
      {errc::user_exists, 409},
      {errc::last_admin, 409},
      {errc::already_enrolled, 409},
      {marketo::errc::unsubscribed, 409},
      {errc::payload_too_large, 413},
      {errc::unsupported_media_type, 415},
      {errc::recipient_unsubscribed, 422},
      {marketo::errc::auth_failed, 422},
      {marketo::errc::unreachable, 422},
      {marketo::errc::rest_auth_failed, 422},
      {marketo::errc::rest_unreachable, 422},
      {marketo::errc::access_denied, 422},
      {marketo::errc::address_refused, 422},
      {errc::rate_limited, 429},
      {errc::unsubscribe_check_unavailable, 503},
      {errc::database_unavailable, 503},
  };
  auto it = kStatus.find(code);
  return it == kStatus.end() ? 500 : it->second;
}

boost::json::object error_body(const Error& error) {
  boost::json::object inner{{"code", error.code}, {"message", error.message}};
  if (!error.field.empty()) inner["field"] = error.field;
  if (!error.recipients.empty()) {
    boost::json::array list;
    for (const auto& r : error.recipients) list.emplace_back(r);
    inner["recipients"] = std::move(list);
  }
  return {{"error", std::move(inner)}};
}

Response error_response(const Error& error) {
  Response res;
  res.status = status_for(error.code);
  res.body = boost::json::serialize(error_body(error));
  if (error.retry_after_seconds > 0) res.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  return res;
}

Response no_content(const Status& status) {
  return status ? Response{204, "application/json", "", {}} : error_response(status.error());
}

}  // namespace sg::http
