// Runtime: the one place where Sendguard's parts are built and wired together from a
// Config. Owns every component; members are declared in dependency order so they are
// destroyed in reverse.
#pragma once

#include <memory>

#include "app/config.h"
#include "campaigns/campaign_service.h"
#include "campaigns/scheduler.h"
#include "core/clock.h"
#include "crypto/secret_key.h"
#include "crypto/unsubscribe_token.h"
#include "gate/coalescing_source.h"
#include "gate/copied_sources.h"
#include "gate/team_bounded_source.h"
#include "gate/unsubscribe_gate.h"
#include "http/api.h"
#include "http/server.h"
#include "mail/transport.h"
#include "marketo/marketo_client.h"
#include "mirror/marketo_source.h"
#include "mirror/marketo_sync.h"
#include "mirror/store_mirror.h"
#include "net/http_client.h"
#include "obs/metrics.h"
#include "sending/outbox_worker.h"
#include "sending/send_service.h"
#include "sending/smtp_intake.h"
#include "settings/accounts.h"
#include "settings/audit_log.h"
#include "settings/marketo_webhooks.h"
#include "settings/relay_credentials.h"
#include "settings/team_settings.h"
#include "smtp/smtp_server.h"
#include "stats/dashboard_service.h"
#include "suppressions/local_list_source.h"
#include "suppressions/suppression_service.h"
#include "store/stores.h"

namespace sg::app {

// The database, accounts and relay credentials only: what the CLI's account commands need.
struct StoreRuntime {
  static Result<std::unique_ptr<StoreRuntime>> open(const Config& config);

  SystemClock clock;
  std::optional<crypto::SecretKey> key;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<settings::Accounts> accounts;
  std::unique_ptr<settings::StoreRelayCredentials> relay_credentials;
};

// The repositories of the suppression list's service, for the server and the CLI.
suppressions::SuppressionServiceStores suppression_stores(store::Store& store);

class Runtime {
 public:
  static Result<std::unique_ptr<Runtime>> build(const Config& config);
  // Serves until stop(); starts and stops the outbox around it.
  Status serve();
  void stop();

 private:
  explicit Runtime(const Config& config) : config_(config) {}
  // The steps of build(), in order; each uses what the earlier ones built.
  void build_marketo_and_gate();
  Status build_transport();  // Errors: config_error (a bad SMTP URL).
  void build_services();
  void build_server();
  void build_smtp();  // the SMTP submission relay, when smtp_listen is set

  Config config_;
  std::unique_ptr<StoreRuntime> base_;
  Metrics metrics_;
  std::unique_ptr<net::HttpClient> http_client_;
  std::unique_ptr<marketo::Client> marketo_;
  std::unique_ptr<suppressions::LocalListSource> local_source_;
  std::unique_ptr<gate::CopiedSource> copied_list_;  // what checks from memory read
  std::unique_ptr<mirror::MarketoSource> marketo_source_;
  std::unique_ptr<gate::CoalescingSource> coalesced_marketo_;
  std::unique_ptr<gate::TeamBoundedSource> bounded_marketo_;
  std::unique_ptr<mirror::StoreMirror> mirror_;
  std::unique_ptr<gate::CopiedMirror> copied_mirror_;
  std::unique_ptr<gate::UnsubscribeGate> gate_;
  std::unique_ptr<mirror::MirrorSeed> seed_;
  std::unique_ptr<mirror::MarketoSync> sync_;
  std::unique_ptr<mail::Transport> transport_;
  std::unique_ptr<crypto::UnsubscribeTokens> tokens_;
  std::unique_ptr<sending::OutboxWorker> outbox_;
  std::unique_ptr<settings::SettingsCache> settings_cache_;
  std::unique_ptr<sending::SendService> sending_;
  std::unique_ptr<sending::OneClickUnsubscribe> one_click_;
  std::unique_ptr<sending::BulkSendService> bulk_;
  std::unique_ptr<campaigns::CampaignService> campaigns_;
  std::unique_ptr<campaigns::CampaignScheduler> scheduler_;
  std::unique_ptr<suppressions::SuppressionService> suppressions_;
  std::unique_ptr<settings::TeamSettings> settings_;
  std::unique_ptr<settings::MarketoWebhooks> webhooks_;
  std::unique_ptr<settings::AuditLog> audit_log_;
  std::unique_ptr<stats::DashboardService> dashboard_;
  std::unique_ptr<http::HandlerLoad> handler_load_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<sending::SmtpIntake> smtp_intake_;
  std::unique_ptr<smtp::SmtpServer> smtp_server_;
};

}  // namespace sg::app
