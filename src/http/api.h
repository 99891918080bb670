// Api: the HTTP API of API.md on top of the application services. Handlers are thin:
// authenticate, parse, call one service, map the result. Thread-safe once built.
#pragma once

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
#include "settings/team_settings.h"
#include "store/stores.h"
#include "suppressions/suppression_service.h"

namespace sg::http {

struct ApiOptions {
  bool secure_cookies = false;  // the public URL is https
  std::string web_dir;          // static files of the web app; empty = none
  int session_ttl_seconds = 43200;
  size_t max_json_bytes = 1 << 20;  // every body but a CSV import
  const HandlerLoad* handler_load = nullptr;  // for /readyz; none = never saturated
};

struct ApiServices {
  settings::Accounts& accounts;
  settings::TeamSettings& settings;
  sending::SendService& sending;
  sending::OneClickUnsubscribe& one_click;
  sending::BulkSendService& bulk;
  campaigns::CampaignService& campaigns;
  suppressions::SuppressionService& suppressions;
  store::Store& store;
  Metrics& metrics;
  ApiOptions options;
};

class Api {
 public:
  explicit Api(ApiServices services);
  Response handle(Request& request);

 private:
  using AuthedRoute = std::function<Response(Request&, const Caller&)>;
  void add(const std::string& method, const std::string& pattern, AuthedRoute route);
  void add_public(const std::string& method, const std::string& pattern, Route route);

  void add_settings_routes();
  void add_sending_routes();
  void add_ops_routes();
  void add_unsubscribe_routes();
  void add_bulk_routes();
  void add_campaign_routes();
  void add_auth_routes();
  void add_stats_routes();
  void add_suppression_routes();
  // Bearer token, or session cookie (with the CSRF header on state-changing requests).
  Result<Caller> authenticate(const Request& request);
  Response static_file(const Request& request) const;

  ApiServices s_;
  Router router_;
};

}  // namespace sg::http
