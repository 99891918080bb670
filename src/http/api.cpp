#include "http/api.h"

#include <spdlog/spdlog.h>

#include "http/errors.h"
#include "http/method_label.h"
#include "http/origin.h"
#include "store/db.h"

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
  add_suppression_csv_routes();
  add_user_routes();
  add_token_routes();
  add_webhook_routes();
  add_relay_credential_routes();
  add_smtp_settings_routes();
}

Response Api::handle(Request& request) {
  std::string pattern;
  Response res = dispatch(request, pattern);
  bool web_path = !request.path.starts_with("/api/") && request.path != "/u" && !request.path.starts_with("/u/");
  if (res.status == 404 && pattern.empty() && web_path && (request.method == "GET" || request.method == "HEAD")) {
    res = static_file(request);
    pattern = "static";
  }
  finish(request, pattern, res);
  return res;
}

std::optional<Response> Api::answer_now(Request& request) {
  static const std::string checks = std::string(kApiPrefix) + std::string(kChecksRoute);
  // A longer list would hold up the other connections of the I/O thread while parsed.
  constexpr size_t kQuickBodyBytes = 16 * 1024;
  if (request.method != "POST" || request.path != checks || request.body.size() > kQuickBodyBytes)
    return std::nullopt;
  auto token = request.header("authorization") ? request.bearer_token() : std::nullopt;
  auto caller = token ? s_.accounts.known_caller(*token) : std::nullopt;
  if (!caller) return std::nullopt;
  auto res = check_from_memory(request, *caller);
  if (res) finish(request, checks, *res);
  return res;
}

void Api::finish(const Request& request, const std::string& pattern, Response& res) {
  s_.metrics.increment("sendguard_http_requests_total",
                       {{"method", method_label(request.method)},
                        {"route", pattern.empty() ? "unmatched" : pattern},
                        {"status", std::to_string(res.status)}});
  res.headers.emplace_back("Cache-Control", "no-store");
}

Response Api::dispatch(Request& request, std::string& pattern) {
  try {
    return router_.dispatch(request, pattern);
  } catch (const store::StoreError& e) {
    // The database is down or out of reach: unlike a fault of ours, a retry may succeed.
    spdlog::error("{} {}: {}", request.method, request.path, e.what());
    Error unavailable = Error::make(errc::database_unavailable, "the database cannot be reached; retry shortly");
    unavailable.retry_after_seconds = 5;
    return refusal(unavailable);
  }
}

Result<Caller> Api::authenticate(const Request& request) {
  const Error unauthorized = Error::unauthorized("sign in, or send a valid API token (Authorization: Bearer <token>)");
  if (request.header("authorization")) {
    auto token = request.bearer_token();
    auto caller = token ? s_.accounts.authenticate(*token) : std::nullopt;
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
    return Error::make(errc::csrf_failed, "this request lacks the X-CSRF-Token of your session; reload the page");
  return session->caller;
}

Response Api::refusal(const Error& error) {
  Response res = error_response(error);
  if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

std::vector<std::string> Api::large_body_paths() { return {std::string(kApiPrefix) + std::string(kImportRoute)}; }

std::optional<Response> Api::admit_large_body(const Request& request) {
  auto caller = authenticate(request);
  if (!caller) return refusal(caller.error());
  if (Status may = require_admin(*caller, "import a suppression list"); !may) return refusal(may.error());
  return std::nullopt;
}

void Api::add(const std::string& method, const std::string& pattern, AuthedRoute route) {
  router_.add(method, std::string(kApiPrefix) + pattern, [this, route = std::move(route)](Request& r) {
    auto caller = authenticate(r);
    if (!caller) return refusal(caller.error());
    return route(r, *caller);
  });
}

void Api::add_public(const std::string& method, const std::string& pattern, Route route) {
  router_.add(method, pattern, std::move(route));
}

}  // namespace sg::http
