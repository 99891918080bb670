// Routes: /auth/login, /auth/me, /auth/logout — the web app's cookie session.
#include <boost/json.hpp>

#include "core/email_address.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/origin.h"

namespace sg::http {
namespace json = boost::json;
namespace {

constexpr const char* kClearedCookie = "sg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

json::object session_body(const settings::WebSession& s) {
  return {{"user", json::object{{"id", s.caller.user_id},
                                {"email", s.caller.email},
                                {"role", s.caller.admin ? "admin" : "user"},
                                {"team", s.team_name}}},
          {"csrf_token", s.csrf_token}};
}

// A form on another site can post text/plain without a preflight; only a same-origin
// script can send JSON, so requiring it stops login CSRF.
bool is_json(const Request& r) {
  std::string type = lowercase_ascii(r.header("content-type").value_or(""));
  return type == "application/json" || type.starts_with("application/json;");
}

}  // namespace

void Api::add_auth_routes() {
  add_public("POST", "/api/v1/auth/login", [this](Request& r) {
    if (!is_json(r))
      return error_response(
          Error::make(errc::unsupported_media_type, "sign in with a JSON body (Content-Type: application/json)"));
    if (!origin_allowed(r, s_.options.public_url)) return error_response(cross_site_error());
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
    if (!session) return error_response(Error::unauthorized("not signed in"));
    return json_response(200, session_body(*session));
  });
  // Public, so that a session that already ended still gets its cookie cleared.
  add_public("POST", "/api/v1/auth/logout", [this](Request& r) {
    Response res{204, "application/json", "", {}};
    auto cookie = r.cookie("sg_session");
    if (cookie && s_.accounts.session(*cookie)) {
      // A live session ends only on a request that passes the CSRF checks.
      if (auto caller = authenticate(r); !caller) res = error_response(caller.error());
      else s_.accounts.sign_out(*cookie);
    }
    res.headers.emplace_back("Set-Cookie", kClearedCookie);
    return res;
  });
}

}  // namespace sg::http
