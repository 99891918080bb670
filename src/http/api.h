// Api: the HTTP API of API.md on top of the application services. Handlers are thin:
// authenticate, parse, call one service, map the result. Services own authorization; a
// route that reads a body or query for an admin-only action first asks the service's
// may_*() so that a non-admin is refused (403) before its input is judged (400).
// Thread-safe once built.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>

#include "campaigns/campaign_service.h"
#include "core/caller.h"
#include "http/handler_load.h"
#include "http/router.h"
#include "obs/metrics.h"
#include "sending/bulk_send.h"
#include "sending/one_click.h"
#include "sending/send_service.h"
#include "settings/accounts.h"
#include "settings/audit_log.h"
#include "settings/marketo_webhooks.h"
#include "settings/relay_credentials.h"
#include "settings/team_settings.h"
#include "stats/dashboard_service.h"
#include "store/stores.h"
#include "suppressions/suppression_service.h"

namespace sg::http {

struct ApiOptions {
  bool secure_cookies = false;  // the public URL is https
  std::string web_dir;          // static files of the web app; empty = none
  int session_ttl_seconds = 43200;
  std::string metrics_token;  // required as a Bearer token by /metrics; empty: loopback peers only
  std::string public_url;     // browsers' requests must come from its origin (or the Host's)
  const HandlerLoad* handler_load = nullptr;  // for /readyz; none = never saturated
  // The SMTP submission relay as GET /smtp-settings shows it: its ports (none = off) and
  // the host name clients should use (empty: the one the browser is on).
  std::optional<unsigned short> smtp_port{}, smtps_port{};
  std::string smtp_host{};
};

struct ApiServices {
  settings::Accounts& accounts;
  settings::TeamSettings& settings;
  settings::MarketoWebhooks& webhooks;
  settings::StoreRelayCredentials& relay_credentials;
  sending::SendService& sending;
  sending::OneClickUnsubscribe& one_click;
  sending::BulkSendService& bulk;
  campaigns::CampaignService& campaigns;
  suppressions::SuppressionService& suppressions;
  settings::AuditLog& audit;
  stats::DashboardService& dashboard;
  // What /readyz and /metrics read of the database: whether it answers, the emails per
  // status and the teams whose Marketo feed fails.
  std::function<bool()> ping;
  store::EmailStore& emails;
  store::MarketoSyncStore& marketo_sync;
  Metrics& metrics;
  ApiOptions options;
};

class Api {
 public:
  explicit Api(ApiServices services);
  Response handle(Request& request);
  // handle()'s answer when memory alone gives it, without waiting on the database or
  // Marketo (Server's QuickHandler): a check by an API token used lately, for a team
  // whose settings and answers are at hand. nullopt: call handle().
  std::optional<Response> answer_now(Request& request);

  // The paths whose bodies may exceed the JSON limit: the CSV import.
  static std::vector<std::string> large_body_paths();
  // Lets a large body in (nullopt) only from an authenticated admin; sees headers only.
  std::optional<Response> admit_large_body(const Request& request);

 private:
  using AuthedRoute = std::function<Response(Request&, const Caller&)>;
  void add(const std::string& method, const std::string& pattern, AuthedRoute route);
  void add_public(const std::string& method, const std::string& pattern, Route route);

  void add_settings_routes();
  void add_sending_routes();
  // POST /checks for `caller`, from memory alone; nullopt when memory does not know.
  std::optional<Response> check_from_memory(Request& request, const Caller& caller);
  // Counts the answer to `request` (by the route `pattern` it matched) and marks it uncacheable.
  void finish(const Request& request, const std::string& pattern, Response& res);
  void add_ops_routes();
  void add_unsubscribe_routes();
  void add_bulk_routes();
  void add_campaign_routes();
  void add_auth_routes();
  void add_stats_routes();
  void add_suppression_routes();
  void add_suppression_csv_routes();
  void add_user_routes();
  void add_token_routes();
  void add_webhook_routes();
  void add_relay_credential_routes();
  void add_smtp_settings_routes();
  // The team's Marketo webhook as GET /integrations/marketo shows it, or null.
  boost::json::value webhook_status(const std::string& team_id);
  std::string webhook_url(const std::string& hook_id) const;
  // Bearer token, or session cookie (with the CSRF header and, when sent, a same-site
  // Origin on state-changing requests).
  Result<Caller> authenticate(const Request& request);
  Response static_file(const Request& request) const;
  // The route's answer; 503 database_unavailable when the store throws.
  Response dispatch(Request& request, std::string& pattern);
  // An error answer; a 401 also names the scheme to use.
  static Response refusal(const Error& error);

  static constexpr std::string_view kApiPrefix = "/api/v1";
  static constexpr std::string_view kImportRoute = "/suppressions/import";  // under kApiPrefix
  static constexpr std::string_view kChecksRoute = "/checks";               // under kApiPrefix

  ApiServices s_;
  Router router_;
};

}  // namespace sg::http
