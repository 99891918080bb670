// Routes: /users and /tokens — team members, roles, removal, and API tokens.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object user_body(const store::User& u) {
  return {{"id", u.id}, {"email", u.email}, {"role", std::string(to_string(u.role))}};
}

// Never the token's value or hash: those are shown once, at creation.
json::object token_body(const store::ApiToken& t) {
  return {{"id", t.id}, {"name", t.name}, {"user_id", t.user_id}, {"created_at", format_rfc3339(t.created_at)}};
}

}  // namespace

void Api::add_user_routes() {
  add("GET", "/users", [this](Request&, const Caller& c) {
    auto members = s_.accounts.members(c);
    if (!members) return error_response(members.error());
    json::array items;
    for (const auto& u : *members) items.push_back(user_body(u));
    return json_response(200, json::object{{"users", std::move(items)}});
  });
  add("PATCH", "/users/{id}", [this](Request& r, const Caller& c) {
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto text = required_string(*body, "role");
    if (!text) return error_response(text.error());
    auto role = parse_role(*text);
    if (!role) return error_response(Error::invalid("role", "role must be \"admin\" or \"user\""));
    auto user = s_.accounts.set_role(c, r.path_params["id"], *role);
    if (!user) return error_response(user.error());
    return json_response(200, user_body(*user));
  });
  add("DELETE", "/users/{id}", [this](Request& r, const Caller& c) {
    return no_content(s_.accounts.remove_user(c, r.path_params["id"]));
  });
}

void Api::add_token_routes() {
  add("GET", "/tokens", [this](Request& r, const Caller& c) {
    auto tokens = s_.accounts.tokens(c, r.param("user_id"));
    if (!tokens) return error_response(tokens.error());
    json::array items;
    for (const auto& t : *tokens) items.push_back(token_body(t));
    return json_response(200, json::object{{"tokens", std::move(items)}});
  });
  add("POST", "/tokens", [this](Request& r, const Caller& c) {
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto name = required_string(*body, "name");
    if (!name) return error_response(name.error());
    auto issued = s_.accounts.create_token(c, *name);
    if (!issued) return error_response(issued.error());
    json::object out = token_body(issued->info);
    out["token"] = issued->value;
    return json_response(201, out);
  });
  add("DELETE", "/tokens/{id}", [this](Request& r, const Caller& c) {
    return no_content(s_.accounts.revoke_token(c, r.path_params["id"]));
  });
}

}  // namespace sg::http
