// TeamSettings: the team's unsubscribe setting and Marketo connection. Only admins
// change them; every change is audit-logged (who, when, before → after) and the
// client secret never leaves this layer. Thread-safe; collaborators must outlive it.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "core/result.h"
#include "marketo/marketo_client.h"
#include "settings/settings_cache.h"
#include "store/stores.h"

namespace sg::settings {

struct SettingsChange {
  std::optional<bool> marketo_check_enabled;
  std::optional<FailPolicy> on_check_unavailable;
};

struct ConnectionInput {
  std::string rest_endpoint, identity_endpoint, client_id, client_secret;
};

// What may be shown of a connection: everything but the secret.
struct ConnectionView {
  std::string rest_endpoint, identity_endpoint, client_id;
  TimePoint verified_at;
  store::SyncState sync;  // the activity feed: last success, last error
  std::optional<int64_t> sync_lag_seconds;  // since the last success, when there was one
  marketo::Usage usage;   // calls made today against the daily budget
  store::SeedState seed;  // the mirror's seed from this instance (not_started when from another)
};

// A connect's answer and, once the credentials were tried, what each check found.
struct ConnectOutcome {
  Result<ConnectionView> view;
  std::vector<marketo::ConnectionCheck> checks;
};

// The repositories a TeamSettings uses.
struct TeamSettingsStores {
  store::SettingsStore& settings;
  store::ConnectionStore& connections;
  store::MarketoSyncStore& marketo_sync;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class TeamSettings {
 public:
  // `connection_changed` is told the team id whenever its connection goes or points to
  // another instance (what was learned from the old one is then dropped; new credentials
  // for the same instance keep it);
  // `allow_loopback` admits http:// endpoints on loopback hosts (tests and demos);
  // `cache` forgets a team whose settings changed.
  TeamSettings(TeamSettingsStores stores, SettingsCache& cache, marketo::Client& marketo, Clock& clock,
               std::function<void(const std::string&)> connection_changed, bool allow_loopback = false);

  store::UnsubscribeSettings get(const Caller& caller);

  // Whether `caller` may change the settings, the mirror's use or the connection (the
  // methods below check it themselves): lets the API refuse before it reads a body.
  Status may_change(const Caller& caller) const;
  Status may_set_mirror(const Caller& caller) const;
  Status may_connect(const Caller& caller) const;

  // Errors: forbidden, invalid_request, marketo_not_connected.
  Result<store::UnsubscribeSettings> change(const Caller& caller, const SettingsChange& change);

  // Whether the gate relies on the mirror's recent "not unsubscribed". Errors: forbidden.
  Result<store::UnsubscribeSettings> set_mirror_authoritative(const Caller& caller, bool authoritative);

  // Nothing is saved unless a token was had and the REST endpoint read with it (the lead
  // lookup and the activity types); the write-back's permission only warns. Errors:
  // forbidden, invalid_request, and (422) marketo_auth_failed, marketo_unreachable
  // (Identity), marketo_rest_auth_failed, marketo_rest_unreachable, marketo_access_denied,
  // marketo_address_refused, each with a message of our own: what the endpoints said is
  // only logged, never echoed to the caller.
  // Also rate_limited while another connect of the same team is being verified.
  ConnectOutcome connect(const Caller& caller, const ConnectionInput& input);
  // Errors: forbidden, not_found.
  Result<ConnectionView> connection(const Caller& caller);
  // Errors: forbidden, not_found, check_enabled.
  Status disconnect(const Caller& caller);

 private:
  void audit(const Caller& caller, const std::string& action, std::optional<std::string> before,
             std::optional<std::string> after);

  TeamSettingsStores stores_;
  SettingsCache& cache_;
  marketo::Client& marketo_;
  Clock& clock_;
  std::function<void(const std::string&)> connection_changed_;
  const bool allow_loopback_;
  // Teams whose connection is being verified: one at a time each, so an admin pointing at
  // an endpoint that never answers holds one handler thread, not all of them.
  std::mutex connecting_mu_;
  std::set<std::string> connecting_;
};

}  // namespace sg::settings
