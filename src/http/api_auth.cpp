// Routes: /auth/login, /auth/me, /auth/logout — the web app's cookie session.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object session_body(const settings::WebSession& s) {
  return {{"user", json::object{{"id", s.caller.user_id},
                                {"email", s.caller.email},
                                {"role", s.caller.admin ? "admin" : "user"},
                                {"team", s.team_name}}},
          {"csrf_token", s.csrf_token}};
}

}  // namespace

void Api::add_auth_routes() {
  add_public("POST", "/api/v1/auth/login", [this](Request& r) {
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto email = required_string(*body, "email");
    if (!email) return error_response(email.error());
    auto password = required_string(*body, "password");
    if (!password) return error_response(password.error());
    auto session = s_.accounts.sign_in(*email, *password, r.peer);
    if (!session) return error_response(session.error());
    Response res = json_response(200, session_body(*session));
    std::string cookie = "sg_session=" + session->session_token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                         std::to_string(s_.options.session_ttl_seconds);
    if (s_.options.secure_cookies) cookie += "; Secure";
    res.headers.emplace_back("Set-Cookie", cookie);
    return res;
  });
  add_public("GET", "/api/v1/auth/me", [this](Request& r) {
    auto cookie = r.cookie("sg_session");
    auto session = cookie ? s_.accounts.session(*cookie) : std::nullopt;
    if (!session) return error_response(Error{"unauthorized", "not signed in", {}, {}});
    return json_response(200, session_body(*session));
  });
  add("POST", "/auth/logout", [this](Request& r, const Caller&) {
    if (auto cookie = r.cookie("sg_session")) s_.accounts.sign_out(*cookie);
    Response res{204, "application/json", "", {}};
    res.headers.emplace_back("Set-Cookie", "sg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return res;
  });
}

}  // namespace sg::http
