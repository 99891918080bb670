// Routes: /integrations/marketo/webhook (admins set it up) and /hooks/marketo/{hook_id}
// (Marketo's trigger campaigns call it, with the secret in a header instead of a sign-in).
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/webhook_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

// Marketo inserts string tokens already quoted and numbers and booleans bare, so the
// template quotes nothing itself.
constexpr const char* kPayloadTemplate =
    R"({"email": {{lead.Email Address}}, "unsubscribed": {{lead.Unsubscribed}}, "leadId": {{lead.Id}}})";

}  // namespace

std::string Api::webhook_url(const std::string& hook_id) const {
  return s_.options.public_url + std::string(kApiPrefix) + "/hooks/marketo/" + hook_id;
}

boost::json::value Api::webhook_status(const std::string& team_id) {
  auto hook = s_.webhooks.of_team(team_id);
  if (!hook) return nullptr;
  return json::object{{"url", webhook_url(hook->hook_id)},
                      {"header", settings::MarketoWebhooks::kSecretHeader},
                      {"created_at", format_rfc3339(hook->created_at)},
                      {"last_call_at", hook->last_call_at ? json::value(format_rfc3339(*hook->last_call_at))
                                                          : json::value(nullptr)}};
}

void Api::add_webhook_routes() {
  add("POST", "/integrations/marketo/webhook", [this](Request&, const Caller& c) {
    auto created = s_.webhooks.create(c);
    if (!created) return error_response(created.error());
    return json_response(201, json::object{{"url", webhook_url(created->hook_id)},
                                           {"header", settings::MarketoWebhooks::kSecretHeader},
                                           {"secret", created->secret},
                                           {"payload_template", kPayloadTemplate}});
  });
  add("DELETE", "/integrations/marketo/webhook", [this](Request&, const Caller& c) {
    return no_content(s_.webhooks.remove(c));
  });
  // No cookie or Bearer token: the secret header is the credential, so no CSRF check applies.
  add_public("POST", std::string(kApiPrefix) + "/hooks/marketo/{hook_id}", [this](Request& r) {
    auto hook = s_.webhooks.authenticate(r.path_params["hook_id"], r.header("x-sendguard-webhook-secret"));
    if (!hook) return error_response(hook.error());
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto call = parse_webhook_call(*body);
    if (!call) return error_response(call.error());
    s_.webhooks.receive(*hook, *call);
    return no_content(Status::success());
  });
}

}  // namespace sg::http
