// Routes: /relay-credentials — the SMTP logins team admins make for Salesforce Email Relay
// or another system that sends as any member.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

// Never the password or its hash: the password is shown once, at creation.
json::object credential_body(const settings::RelayCredential& c) {
  return {{"id", c.id}, {"name", c.name}, {"username", c.username}, {"created_at", format_rfc3339(c.created_at)}};
}

}  // namespace

void Api::add_relay_credential_routes() {
  add("GET", "/relay-credentials", [this](Request&, const Caller& c) {
    auto listed = s_.relay_credentials.list(c);
    if (!listed) return error_response(listed.error());
    json::array items;
    for (const auto& rc : *listed) items.push_back(credential_body(rc));
    return json_response(200, json::object{{"relay_credentials", std::move(items)}});
  });
  add("POST", "/relay-credentials", [this](Request& r, const Caller& c) {
    if (Status may = s_.relay_credentials.may_manage(c); !may) return error_response(may.error());
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto name = required_string(*body, "name");
    if (!name) return error_response(name.error());
    auto issued = s_.relay_credentials.create(c, *name);
    if (!issued) return error_response(issued.error());
    json::object out = credential_body(issued->info);
    out["password"] = issued->password;
    return json_response(201, out);
  });
  add("DELETE", "/relay-credentials/{id}", [this](Request& r, const Caller& c) {
    return no_content(s_.relay_credentials.revoke(c, r.path_params["id"]));
  });
}

}  // namespace sg::http
