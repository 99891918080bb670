#include "app/runtime.h"

#include <spdlog/spdlog.h>

#include "mail/eml_file_transport.h"
#include "mail/smtp_transport.h"
#include "marketo/error_codes.h"
#include "net/curl_http_client.h"
#include "store/sqlite_store.h"

namespace sg::app {
namespace {

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of(":/", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

Result<std::unique_ptr<StoreRuntime>> StoreRuntime::open(const Config& config) {
  auto rt = std::make_unique<StoreRuntime>();
  auto key = crypto::SecretKey::load_or_create(config.secret_key_file);
  if (!key) return key.error();
  rt->key = *key;
  try {
    rt->store = store::open_sqlite_store(config.db, *rt->key);
  } catch (const std::exception& e) {
    return Error::make(errc::config_error, e.what());
  }
  rt->accounts = std::make_unique<settings::Accounts>(*rt->store, rt->clock,
                                                     Millis(1000LL * config.session_ttl_seconds));
  return rt;
}

Result<std::unique_ptr<Runtime>> Runtime::build(const Config& config) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  auto base = StoreRuntime::open(config);
  if (!base) return base.error();
  rt->base_ = std::move(*base);
  Clock& clock = rt->base_->clock;
  store::Store& store = *rt->base_->store;

  net::CurlOptions curl;
  curl.addresses.allow_loopback = config.marketo_allow_loopback;
  rt->http_client_ = std::make_unique<net::CurlHttpClient>(curl);
  marketo::Limits limits;
  limits.calls_per_window = config.marketo_calls_per_20s;
  limits.max_concurrent = config.marketo_max_concurrent;
  limits.call_timeout = Millis(config.marketo_timeout_ms);
  limits.daily_budget = config.marketo_daily_budget;
  rt->marketo_ = std::make_unique<marketo::Client>(*rt->http_client_, clock, rt->metrics_, limits);
  rt->local_source_ = std::make_unique<suppressions::LocalListSource>(store.suppressions());
  rt->marketo_source_ =
      std::make_unique<mirror::MarketoSource>(store.connections(), store.marketo_sync(), *rt->marketo_, clock);
  rt->coalesced_marketo_ = std::make_unique<gate::CoalescingSource>(*rt->marketo_source_);
  // A stalled team holds at most 3 x marketo_team_concurrency handler threads, and only
  // until its oldest call has run 5 s; then just the calls inside.
  rt->bounded_marketo_ = std::make_unique<gate::TeamBoundedSource>(
      *rt->coalesced_marketo_,
      gate::TeamLimits{config.marketo_team_concurrency, 2 * config.marketo_team_concurrency, Millis{5000}},
      Error::make(marketo::errc::busy, "too many of the team's requests are already waiting on Marketo"));
  mirror::MirrorOptions mirror;
  mirror.trust_window = Millis(3600LL * 1000 * config.mirror_trust_hours);
  // Three missed runs of the sync and the mirror's "not unsubscribed" is no longer relied on.
  mirror.max_sync_age = Millis(3LL * 1000 * config.mirror_interval_seconds + 60000);
  rt->mirror_ = std::make_unique<mirror::StoreMirror>(store.marketo_sync(), clock, mirror);
  // The order is the order of asking: the team's own list first, then each vendor.
  rt->gate_ = std::make_unique<gate::UnsubscribeGate>(
      std::vector<gate::CheckedSource>{rt->local_source_->checked(),
                                       mirror::marketo_checked_source(*rt->bounded_marketo_, rt->mirror_.get())},
      clock, rt->metrics_, gate::GateOptions{Millis(1000LL * config.check_max_age_seconds)});
  rt->sync_ = std::make_unique<mirror::MarketoSync>(
      store, *rt->marketo_, clock, mirror::SyncOptions{Millis(1000LL * config.mirror_interval_seconds)});

  if (config.smtp_url) {
    auto smtp = mail::SmtpTransport::create(*config.smtp_url);
    if (!smtp) return Error::make(errc::config_error, "SENDGUARD_SMTP_URL: " + smtp.error().message);
    rt->transport_ = std::move(*smtp);
  } else {
    rt->transport_ = std::make_unique<mail::EmlFileTransport>(config.mail_dir, clock);
  }
  rt->tokens_ = std::make_unique<crypto::UnsubscribeTokens>(*rt->base_->key);

  sending::OutboxOptions outbox;
  outbox.workers = config.outbox_workers;
  outbox.retry_base = Millis(config.retry_base_ms);
  outbox.hold_retry_base = Millis(config.hold_retry_base_ms);
  outbox.max_hold = Millis(3600LL * 1000 * config.max_hold_hours);
  outbox.public_url = config.public_url;
  rt->outbox_ = std::make_unique<sending::OutboxWorker>(store, *rt->gate_, *rt->transport_, *rt->tokens_,
                                                        clock, rt->metrics_, outbox);
  sending::SendOptions send_options;
  send_options.mail_domain = host_of(config.public_url);
  rt->sending_ = std::make_unique<sending::SendService>(store, *rt->gate_, clock, rt->metrics_, send_options,
                                                        [o = rt->outbox_.get()] { o->wake(); });
  rt->bulk_ = std::make_unique<sending::BulkSendService>(store, *rt->gate_, clock, rt->metrics_, send_options,
                                                         [o = rt->outbox_.get()] { o->wake(); });
  rt->campaigns_ = std::make_unique<campaigns::CampaignService>(store, *rt->gate_, clock, rt->metrics_, send_options);
  rt->outbox_->on_final([c = rt->campaigns_.get()](const store::EmailRecord& e) { c->email_finished(e); });
  rt->scheduler_ = std::make_unique<campaigns::CampaignScheduler>(*rt->campaigns_,
                                                                  [o = rt->outbox_.get()] { o->wake(); });
  rt->suppressions_ = std::make_unique<suppressions::SuppressionService>(store, *rt->bounded_marketo_, clock);
  rt->one_click_ = std::make_unique<sending::OneClickUnsubscribe>(store, *rt->tokens_, clock);
  rt->settings_ = std::make_unique<settings::TeamSettings>(
      store, *rt->marketo_, clock, [g = rt->gate_.get()](const std::string& team) { g->forget_team(team); },
      config.marketo_allow_loopback);
  rt->audit_log_ = std::make_unique<settings::AuditLog>(store.audit());
  rt->dashboard_ = std::make_unique<stats::DashboardService>(store.emails(), clock);

  http::ServerOptions server;
  server.host = config.host();
  server.port = config.port();
  server.max_body_bytes = config.max_body_bytes;
  server.max_large_body_bytes = config.max_import_bytes;
  server.large_body_paths = http::Api::large_body_paths();
  server.max_inflight_body_bytes = config.max_inflight_bytes;
  server.max_connections = config.max_connections;
  rt->handler_load_ = std::make_unique<http::HandlerLoad>(server.handler_threads);
  server.load = rt->handler_load_.get();
  http::ApiOptions api_options{config.public_url.starts_with("https://"), config.web_dir,
                               config.session_ttl_seconds, config.metrics_token, config.public_url};
  api_options.handler_load = rt->handler_load_.get();
  rt->api_ = std::make_unique<http::Api>(
      http::ApiServices{*rt->base_->accounts, *rt->settings_, *rt->sending_, *rt->one_click_, *rt->bulk_,
                        *rt->campaigns_, *rt->suppressions_, *rt->audit_log_, *rt->dashboard_, store, rt->metrics_,
                        api_options});
  http::Api* api = rt->api_.get();
  rt->server_ = std::make_unique<http::Server>(
      server, [api](http::Request& r) { return api->handle(r); },
      [api](const http::Request& r) { return api->admit_large_body(r); });
  return rt;
}

Status Runtime::serve() {
  if (Status s = server_->listen(); !s) return s;
  // Listening succeeded, so no other server runs on this machine's port; with SQLite this
  // process owns the outbox, and leases left by a crashed predecessor can go at once.
  if (int released = base_->store->emails().release_all_claims(); released > 0)
    spdlog::warn("resuming {} email(s) that were being delivered when the server last stopped", released);
  outbox_->start();
  scheduler_->start();
  sync_->start();
  spdlog::info("sendguard listening on http://{}:{} (database {}, mail {})", config_.host(), server_->port(),
               config_.db, config_.smtp_url ? "via SMTP relay" : "to " + config_.mail_dir);
  server_->run();
  sync_->stop();
  scheduler_->stop();
  outbox_->stop();
  spdlog::info("sendguard stopped");
  return Status::success();
}

void Runtime::stop() { server_->stop(); }

}  // namespace sg::app
