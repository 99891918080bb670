#include "settings/marketo_webhooks.h"

#include <boost/json.hpp>

#include "crypto/tokens.h"
#include "marketo/error_codes.h"

namespace sg::settings {
namespace json = boost::json;
namespace {

std::string webhook_json(const store::MarketoWebhook& h) {
  return json::serialize(json::object{{"hook_id", h.hook_id}, {"created_at", format_rfc3339(h.created_at)}});
}

}  // namespace

Result<NewWebhook> MarketoWebhooks::create(const Caller& caller) {
  if (Status may = require_admin(caller, "set up the Marketo webhook"); !may) return may.error();
  NewWebhook created{crypto::random_id("wh_"), crypto::random_token("whs_"), clock_.now()};
  return stores_.tx.transaction([&]() -> Result<NewWebhook> {
    if (!stores_.connections.get(caller.team_id))
      return Error::make(marketo::errc::not_connected, "connect Marketo before setting up its webhook");
    auto before = stores_.webhooks.of_team(caller.team_id);
    // A rotation changes the id too: the old URL and secret stop working together.
    store::MarketoWebhook after{caller.team_id, created.hook_id, crypto::token_hash(created.secret),
                                created.created_at, std::nullopt};
    stores_.webhooks.put(after);
    audit(caller, before ? "integrations.marketo.webhook.rotated" : "integrations.marketo.webhook.created",
          before ? std::optional(webhook_json(*before)) : std::nullopt, webhook_json(after));
    return created;
  });
}

Status MarketoWebhooks::remove(const Caller& caller) {
  if (Status may = require_admin(caller, "delete the Marketo webhook"); !may) return may;
  return stores_.tx.transaction([&]() -> Status {
    auto before = stores_.webhooks.of_team(caller.team_id);
    if (!before) return Error::not_found("the team has no Marketo webhook");
    stores_.webhooks.remove(caller.team_id);
    audit(caller, "integrations.marketo.webhook.deleted", webhook_json(*before), std::nullopt);
    return Status::success();
  });
}

std::optional<store::MarketoWebhook> MarketoWebhooks::of_team(const std::string& team_id) {
  return stores_.webhooks.of_team(team_id);
}

Result<store::MarketoWebhook> MarketoWebhooks::authenticate(const std::string& hook_id,
                                                            const std::optional<std::string>& secret) {
  // Hash first, so an unknown hook and a wrong secret cost the same.
  std::string presented = crypto::token_hash(secret.value_or(""));
  auto hook = stores_.webhooks.find(hook_id);
  if (!secret || !hook || !crypto::same_hash(presented, hook->secret_hash))
    return Error::unauthorized(std::string("unknown webhook, or the ") + kSecretHeader +
                               " header does not carry its secret");
  return *hook;
}

void MarketoWebhooks::receive(const store::MarketoWebhook& hook, const WebhookCall& call) {
  TimePoint now = clock_.now();
  stores_.tx.transaction([&] {
    // The feed confirms (or, on a resubscribe, lifts) it at its next read.
    if (call.unsubscribed)
      if (auto endpoint = stores_.connections.rest_endpoint(hook.team_id))
        stores_.marketo_sync.mirror(hook.team_id, *endpoint, {{call.email_key, true}}, now);
    stores_.webhooks.called(hook.hook_id, now);
  });
  hooks_.heard(hook.team_id, call.email_key, call.unsubscribed);
  hooks_.called(hook.team_id);
}

void MarketoWebhooks::audit(const Caller& caller, const std::string& action, std::optional<std::string> before,
                            std::optional<std::string> after) {
  stores_.audit.append({caller.team_id, caller.user_id, caller.email, action, std::move(before), std::move(after),
                        clock_.now()});
}

}  // namespace sg::settings
