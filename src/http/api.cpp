#include "http/api.h"

#include "http/errors.h"
#include "http/origin.h"

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
  add_auth_routes();
  add_stats_routes();
  add_suppression_routes();
  add_user_routes();
}

Response Api::handle(Request& request) {
  std::string pattern;
  // The server admits bodies up to the CSV import's size; everything else stays small.
  if (request.body.size() > s_.options.max_json_bytes && request.path != "/api/v1/suppressions/import") {
    Response res = error_response(Error{"payload_too_large", "the request body is larger than " +
                                        std::to_string(s_.options.max_json_bytes) + " bytes", {}, {}});
    s_.metrics.increment("sendguard_http_requests_total",
                         {{"method", request.method}, {"route", "too_large"}, {"status", "413"}});
    return res;
  }
  Response res = router_.dispatch(request, pattern);
  bool web_path = !request.path.starts_with("/api/") && request.path != "/u" && !request.path.starts_with("/u/");
  if (res.status == 404 && pattern.empty() && web_path && (request.method == "GET" || request.method == "HEAD")) {
    res = static_file(request);
    pattern = "static";
  }
  s_.metrics.increment("sendguard_http_requests_total",
                       {{"method", request.method},
                        {"route", pattern.empty() ? "unmatched" : pattern},
                        {"status", std::to_string(res.status)}});
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

Result<Caller> Api::authenticate(const Request& request) {
  Error unauthorized{"unauthorized", "sign in, or send a valid API token (Authorization: Bearer <token>)", {}, {}};
  if (auto header = request.header("authorization")) {
    constexpr std::string_view kScheme = "bearer ";
    std::string scheme = header->substr(0, kScheme.size());
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != kScheme || header->size() <= kScheme.size()) return unauthorized;
    auto caller = s_.accounts.authenticate(header->substr(kScheme.size()));
    if (!caller) return unauthorized;
    return *caller;
  }
  auto cookie = request.cookie("sg_session");
  if (!cookie) return unauthorized;
  auto session = s_.accounts.session(*cookie);
  if (!session) return unauthorized;
  if (request.method == "GET" || request.method == "HEAD") return session->caller;
  if (!origin_allowed(request, s_.options.public_url)) return cross_site_error();
  // A cookie rides along on cross-site requests; the CSRF header cannot.
  if (request.header("x-csrf-token") != session->csrf_token)
    return Error{"csrf_failed", "this request lacks the X-CSRF-Token of your session; reload the page", {}, {}};
  return session->caller;
}

void Api::add(const std::string& method, const std::string& pattern, AuthedRoute route) {
  router_.add(method, "/api/v1" + pattern, [this, route = std::move(route)](Request& r) {
    auto caller = authenticate(r);
    if (!caller) {
      Response res = error_response(caller.error());
      if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
      return res;
    }
    return route(r, *caller);
  });
}

void Api::add_public(const std::string& method, const std::string& pattern, Route route) {
  router_.add(method, pattern, std::move(route));
}

}  // namespace sg::http
