#include "app/runtime.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "mail/eml_file_transport.h"
#include "mail/smtp_transport.h"
#include "marketo/error_codes.h"
#include "net/curl_http_client.h"
#include "store/open_store.h"
#include "store/team_changes.h"

namespace sg::app {

suppressions::SuppressionServiceStores suppression_stores(store::Store& store) {
  return {store.suppressions(), store.campaigns(), store.connections(), store.audit(), store};
}

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
    rt->store = config.postgresql() ? store::open_postgres_store(config.db, config.db_pool, *rt->key)
                                    : store::open_sqlite_store(config.db, config.db_pool, *rt->key);
  } catch (const std::exception& e) {
    return Error::make(errc::config_error, e.what());
  }
  store::Store& store = *rt->store;
  rt->accounts = std::make_unique<settings::Accounts>(settings::AccountsStores{store.users(), store.teams(), store},
                                                     rt->clock, Millis(1000LL * config.session_ttl_seconds));
  rt->relay_credentials = std::make_unique<settings::StoreRelayCredentials>(
      settings::RelayCredentialsStores{store.relay_credentials(), store.teams(), store.audit(), store}, rt->clock);
  return rt;
}

Result<std::unique_ptr<Runtime>> Runtime::build(const Config& config) {
  std::unique_ptr<Runtime> rt(new Runtime(config));
  auto base = StoreRuntime::open(config);
  if (!base) return base.error();
  rt->base_ = std::move(*base);
  rt->build_marketo_and_gate();
  if (Status s = rt->build_transport(); !s) return s.error();
  rt->build_services();
  rt->build_server();
  rt->build_smtp();
  return rt;
}

void Runtime::build_marketo_and_gate() {
  Clock& clock = base_->clock;
  store::Store& store = *base_->store;
  net::CurlOptions curl;
  curl.addresses.allow_loopback = config_.marketo_allow_loopback;
  http_client_ = std::make_unique<net::CurlHttpClient>(curl);
  marketo::Limits limits;
  limits.calls_per_window = config_.marketo_calls_per_20s;
  limits.max_concurrent = config_.marketo_max_concurrent;
  limits.call_timeout = Millis(config_.marketo_timeout_ms);
  limits.daily_budget = config_.marketo_daily_budget;
  limits.background_percent = config_.marketo_background_percent;
  limits.daily_quota = config_.marketo_daily_quota;
  // The daily budget lives in the database on every engine; the rate window only when
  // other instances share it, for one process keeps it faster in memory.
  const marketo::Ledgers ledgers{&store.marketo_budget(), store.shared() ? &store.marketo_windows() : nullptr};
  marketo_ = std::make_unique<marketo::Client>(*http_client_, clock, metrics_, limits, ledgers);
  const Millis check_max_age(1000LL * config_.check_max_age_seconds);
  local_source_ = std::make_unique<suppressions::LocalListSource>(store.suppressions());
  copied_list_ = std::make_unique<gate::CopiedSource>(*local_source_, clock, gate::copy_ttl(check_max_age));
  const mirror::MirrorStores mirror_stores{store.connections(), store.marketo_sync()};
  marketo_source_ = std::make_unique<mirror::MarketoSource>(mirror_stores, *marketo_, clock);
  coalesced_marketo_ = std::make_unique<gate::CoalescingSource>(*marketo_source_);
  // A stalled team holds at most 3 x marketo_team_concurrency handler threads, and only
  // until its oldest call has run 5 s; then just the calls inside.
  bounded_marketo_ = std::make_unique<gate::TeamBoundedSource>(
      *coalesced_marketo_,
      gate::TeamLimits{config_.marketo_team_concurrency, 2 * config_.marketo_team_concurrency, Millis{5000}},
      Error::make(marketo::errc::busy, "too many of the team's requests are already waiting on Marketo"));
  mirror::MirrorOptions mirror;
  mirror.trust_window = Millis(3600LL * 1000 * config_.mirror_trust_hours);
  // Three missed runs of the sync, at a quiet feed's slowest pace, and the mirror's "not
  // unsubscribed" is no longer relied on.
  mirror.max_sync_age = Millis(3LL * 1000 * config_.mirror_interval_seconds * config_.mirror_max_backoff + 60000);
  mirror_ = std::make_unique<mirror::StoreMirror>(store.marketo_sync(), clock, mirror);
  copied_mirror_ = std::make_unique<gate::CopiedMirror>(*mirror_, clock, gate::copy_ttl(check_max_age));
  store.unsubscribe_changes().listen([list = copied_list_.get(), m = copied_mirror_.get()](
                                         const std::string& team, const std::vector<std::string>& keys) {
    list->forget(team, keys);
    m->forget(team, keys);
  });
  // The order is the order of asking: the team's own list first, then each vendor.
  gate_ = std::make_unique<gate::UnsubscribeGate>(
      std::vector<gate::CheckedSource>{suppressions::local_list_checked_source(*copied_list_),
                                       mirror::marketo_checked_source(*bounded_marketo_, copied_mirror_.get())},
      clock, metrics_, gate::GateOptions{check_max_age});
  sync_ = std::make_unique<mirror::MarketoSync>(
      mirror_stores, *marketo_, clock,
      mirror::SyncOptions{.interval = Millis(1000LL * config_.mirror_interval_seconds),
                          .max_backoff_factor = config_.mirror_max_backoff,
                          .reread_every = Millis(1000LL * config_.mirror_reread_seconds),
                          .follow_new_addresses = config_.mirror_seed,
                          .leadership = &store.leadership()});
  if (config_.mirror_seed) {
    mirror::SeedOptions seed;
    seed.poll_interval = Millis(config_.mirror_seed_poll_ms);
    seed.retry_base = seed.poll_interval;
    seed_ = std::make_unique<mirror::MirrorSeed>(mirror_stores, *marketo_, clock, seed);
    sync_->seed_with(seed_.get());
  }
}

Status Runtime::build_transport() {
  if (config_.smtp_url) {
    mail::SmtpOptions options;
    // Each delivery worker keeps its connection open between messages: a pool smaller than
    // the workers would close and open one per message for the workers beyond it.
    options.max_idle_connections = static_cast<std::size_t>(std::max(1, config_.outbox_workers));
    auto smtp = mail::SmtpTransport::create(*config_.smtp_url, options);
    if (!smtp) return Error::make(errc::config_error, "SENDGUARD_SMTP_URL: " + smtp.error().message);
    transport_ = std::move(*smtp);
  } else {
    transport_ = std::make_unique<mail::EmlFileTransport>(config_.mail_dir, base_->clock);
  }
  return Status::success();
}

void Runtime::build_services() {
  Clock& clock = base_->clock;
  store::Store& store = *base_->store;
  tokens_ = std::make_unique<crypto::UnsubscribeTokens>(*base_->key);
  sending::OutboxOptions outbox;
  outbox.workers = config_.outbox_workers;
  // Renewed three times a lease; an email starts only with a third of one left.
  outbox.lease = Millis(config_.outbox_lease_ms);
  outbox.heartbeat = outbox.lease / 3;
  outbox.lease_margin = outbox.lease / 3;
  outbox.retry_base = Millis(config_.retry_base_ms);
  outbox.hold_retry_base = Millis(config_.hold_retry_base_ms);
  outbox.max_hold = Millis(3600LL * 1000 * config_.max_hold_hours);
  outbox.public_url = config_.public_url;
  outbox.mail_domain = host_of(config_.public_url);
  outbox_ = std::make_unique<sending::OutboxWorker>(
      sending::OutboxWorkerStores{store.emails(), store.settings(), store.audit(), store}, *gate_, *transport_,
      *tokens_, clock, metrics_, outbox);
  sending::SendOptions send_options;
  send_options.mail_domain = host_of(config_.public_url);
  settings_cache_ = std::make_unique<settings::SettingsCache>(store.settings(), clock);
  sending_ = std::make_unique<sending::SendService>(
      sending::SendServiceStores{store.emails(), store.idempotency(), store.audit(), store}, *settings_cache_, *gate_,
      clock, metrics_, send_options, [o = outbox_.get()] { o->wake(); });
  bulk_ = std::make_unique<sending::BulkSendService>(
      sending::BulkSendServiceStores{store.emails(), store.idempotency(), store.settings(), store.audit(), store},
      *gate_, clock, metrics_, send_options, [o = outbox_.get()] { o->wake(); });
  campaigns_ = std::make_unique<campaigns::CampaignService>(
      campaigns::CampaignServiceStores{store.campaigns(), store.emails(), store.settings(), store.audit(), store},
      *gate_, clock, metrics_, send_options);
  outbox_->on_final([c = campaigns_.get()](const store::EmailRecord& e) { c->email_finished(e); });
  scheduler_ = std::make_unique<campaigns::CampaignScheduler>(
      [c = campaigns_.get()](int limit) { return c->run_due_steps(limit); }, [o = outbox_.get()] { o->wake(); },
      store.leadership());
  suppressions_ = std::make_unique<suppressions::SuppressionService>(
      suppression_stores(store), *bounded_marketo_, clock);
  one_click_ = std::make_unique<sending::OneClickUnsubscribe>(
      sending::OneClickUnsubscribeStores{store.suppressions(), store.campaigns(), store.connections(),
                                         store.marketo_sync(), store},
      *tokens_, clock);
  settings_ = std::make_unique<settings::TeamSettings>(
      settings::TeamSettingsStores{store.settings(), store.connections(), store.marketo_sync(), store.audit(), store},
      *settings_cache_, *marketo_, clock,
      [g = gate_.get(), s = sync_.get(), m = copied_mirror_.get()](const std::string& team) {
        g->forget_team(team);
        m->forget(team, {});
        s->forget_team(team);
      },
      config_.marketo_allow_loopback);
  settings::WebhookHooks webhook_hooks;
  // "Marketo" is the label of the gate's Marketo source (mirror::marketo_checked_source).
  webhook_hooks.heard = [g = gate_.get()](const std::string& team, const std::string& key, bool unsubscribed) {
    g->pushed("Marketo", team, key, unsubscribed);
  };
  // News is on its way: the team's feed is read at once, then at the base interval.
  webhook_hooks.called = [s = sync_.get()](const std::string& team) { s->nudge(team); };
  webhooks_ = std::make_unique<settings::MarketoWebhooks>(
      settings::MarketoWebhooksStores{store.webhooks(), store.connections(), store.marketo_sync(), store.audit(),
                                      store},
      clock, std::move(webhook_hooks));
  audit_log_ = std::make_unique<settings::AuditLog>(store.audit());
  dashboard_ = std::make_unique<stats::DashboardService>(store.emails(), clock);
}

void Runtime::build_server() {
  http::ServerOptions server;
  server.host = config_.host();
  server.port = config_.port();
  server.max_body_bytes = config_.max_body_bytes;
  server.max_large_body_bytes = config_.max_import_bytes;
  server.large_body_paths = http::Api::large_body_paths();
  server.max_inflight_body_bytes = config_.max_inflight_bytes;
  server.max_connections = config_.max_connections;
  handler_load_ = std::make_unique<http::HandlerLoad>(server.handler_threads);
  server.load = handler_load_.get();
  http::ApiOptions api_options{config_.public_url.starts_with("https://"), config_.web_dir,
                               config_.session_ttl_seconds, config_.metrics_token, config_.public_url};
  api_options.handler_load = handler_load_.get();
  api_options.smtp_port = config_.smtp_port();
  api_options.smtps_port = config_.smtps_port();
  api_options.smtp_host = host_of(config_.public_url);
  store::Store* store = base_->store.get();
  api_ = std::make_unique<http::Api>(http::ApiServices{*base_->accounts, *settings_, *webhooks_,
                                                       *base_->relay_credentials, *sending_,
                                                       *one_click_, *bulk_, *campaigns_, *suppressions_, *audit_log_,
                                                       *dashboard_, [store] { return store->ping(); }, store->emails(),
                                                       store->marketo_sync(), metrics_, api_options});
  http::Api* api = api_.get();
  server_ = std::make_unique<http::Server>(
      server, [api](http::Request& r) { return api->handle(r); },
      [api](const http::Request& r) { return api->admit_large_body(r); },
      [api](http::Request& r) { return api->answer_now(r); });
}

void Runtime::build_smtp() {
  if (!config_.smtp_listen) return;
  const std::string mail_domain = host_of(config_.public_url);
  smtp_intake_ = std::make_unique<sending::SmtpIntake>(base_->store->users(), *base_->accounts,
                                                       *base_->relay_credentials, *sending_, base_->clock, mail_domain);
  smtp::ServerOptions smtp;
  smtp.listen = *config_.smtp_listen;
  smtp.tls_listen = config_.smtps_listen.value_or("");
  smtp.cert_file = config_.tls_cert;
  smtp.key_file = config_.tls_key;
  smtp.trust_loopback = config_.smtp_trust_loopback;
  smtp.max_connections = config_.smtp_max_connections;
  smtp.command_timeout = std::chrono::seconds(config_.smtp_command_timeout_seconds);
  smtp.session.hostname = mail_domain;
  smtp.session.max_message_bytes = config_.smtp_max_message_bytes;
  smtp_server_ = std::make_unique<smtp::SmtpServer>(std::move(smtp), *smtp_intake_);
}

Status Runtime::serve() {
  if (Status s = server_->listen(); !s) return s;
  if (smtp_server_)
    if (Status s = smtp_server_->listen(); !s) return s;
  // Listening succeeded, so no other server runs on this machine's port; with SQLite this
  // process owns the outbox, and leases left by a crashed predecessor can go at once. On a
  // shared database they may be a live instance's: they expire instead.
  if (!base_->store->shared())
    if (int released = base_->store->emails().release_all_claims(); released > 0)
      spdlog::warn("resuming {} email(s) that were being delivered when the server last stopped", released);
  outbox_->start();
  scheduler_->start();
  sync_->start();
  if (smtp_server_) smtp_server_->start();
  spdlog::info("sendguard listening on http://{}:{} (database {}, mail {})", config_.host(), server_->port(),
               config_.db, config_.smtp_url ? "via SMTP relay" : "to " + config_.mail_dir);
  server_->run();
  if (smtp_server_) smtp_server_->stop();
  sync_->stop();
  scheduler_->stop();
  outbox_->stop();
  spdlog::info("sendguard stopped");
  return Status::success();
}

void Runtime::stop() { server_->stop(); }

}  // namespace sg::app
