// MarketoWebhooks: the per-team webhook a Marketo trigger campaign calls when a person
// unsubscribes, so the next send is refused without waiting for the activity feed.
// Admins create (or rotate) and delete it; its secret is shown once and stored only as a
// hash; calls prove the secret and name a hook id, and touch only that hook's team.
// Thread-safe; collaborators must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/caller.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/stores.h"

namespace sg::settings {

// One call's news, already read and validated.
struct WebhookCall {
  std::string email_key;  // lower-cased address
  bool unsubscribed = false;
  std::optional<int64_t> lead_id;
};

// The answer to creating a webhook: the only time its secret is shown.
struct NewWebhook {
  std::string hook_id;
  std::string secret;
  TimePoint created_at;
};

// What happens on a call, wired by the application: `heard` tells the gate's cache about
// the address (team, key, unsubscribed); `called` tells the activity feed's poller of the
// team that news came.
struct WebhookHooks {
  std::function<void(const std::string&, const std::string&, bool)> heard = [](auto&, auto&, bool) {};
  std::function<void(const std::string&)> called = [](const std::string&) {};
};

// The repositories a MarketoWebhooks uses.
struct MarketoWebhooksStores {
  store::WebhookStore& webhooks;
  store::ConnectionStore& connections;
  store::MarketoSyncStore& marketo_sync;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class MarketoWebhooks {
 public:
  static constexpr const char* kSecretHeader = "X-Sendguard-Webhook-Secret";

  MarketoWebhooks(MarketoWebhooksStores stores, Clock& clock, WebhookHooks hooks)
      : stores_(stores), clock_(clock), hooks_(std::move(hooks)) {}

  // Errors: forbidden; marketo_not_connected (409) when the team has no connection.
  Result<NewWebhook> create(const Caller& caller);
  // Errors: forbidden, not_found.
  Status remove(const Caller& caller);
  // The team's webhook as it may be shown (its secret hash is never shown either).
  std::optional<store::MarketoWebhook> of_team(const std::string& team_id);

  // The hook that `secret` opens (compared in constant time on the hashes): an unknown
  // hook and a wrong or missing secret are both unauthorized, checked before the body.
  Result<store::MarketoWebhook> authenticate(const std::string& hook_id, const std::optional<std::string>& secret);
  // Records an authenticated call: an unsubscribe is mirrored at once; a "not
  // unsubscribed" never clears one, it only makes the next send ask Marketo.
  void receive(const store::MarketoWebhook& hook, const WebhookCall& call);

 private:
  void audit(const Caller& caller, const std::string& action, std::optional<std::string> before,
             std::optional<std::string> after);

  MarketoWebhooksStores stores_;
  Clock& clock_;
  WebhookHooks hooks_;
};

}  // namespace sg::settings
