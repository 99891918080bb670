#include "http/api.h"

#include "http/errors.h"

namespace sg::http {

Api::Api(ApiServices services) : s_(services) {
  s_.metrics.describe("sendguard_http_requests_total", "counter", "HTTP requests by route and status");
  s_.metrics.describe("sendguard_emails", "gauge", "Emails in the database by status");
  s_.metrics.describe("sendguard_queue_depth", "gauge", "Emails waiting for delivery (queued or held)");
  add_settings_routes();
  add_sending_routes();
  add_ops_routes();
  add_unsubscribe_routes();
  add_bulk_routes();
  add_campaign_routes();
}

Response Api::handle(Request& request) {
  std::string pattern;
  Response res = router_.dispatch(request, pattern);
  s_.metrics.increment("sendguard_http_requests_total",
                       {{"method", request.method},
                        {"route", pattern.empty() ? "unmatched" : pattern},
                        {"status", std::to_string(res.status)}});
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

std::optional<Caller> Api::authenticate(const Request& request) {
  auto header = request.header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (!header || header->size() <= kScheme.size()) return std::nullopt;
  std::string scheme = header->substr(0, kScheme.size());
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != kScheme) return std::nullopt;
  return s_.accounts.authenticate(header->substr(kScheme.size()));
}

void Api::add(const std::string& method, const std::string& pattern, AuthedRoute route) {
  router_.add(method, "/api/v1" + pattern, [this, route = std::move(route)](Request& r) {
    auto caller = authenticate(r);
    if (!caller) {
      Response res = error_response(Error{"unauthorized", "a valid API token is required (Authorization: Bearer <token>)", {}, {}});
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      return res;
    }
    return route(r, *caller);
  });
}

void Api::add_public(const std::string& method, const std::string& pattern, Route route) {
  router_.add(method, pattern, std::move(route));
}

}  // namespace sg::http
