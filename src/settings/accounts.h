// Accounts: teams, users and their API tokens. Tokens are random, shown once, and
// stored only as hashes. Thread-safe; the store must outlive it.
#pragma once

#include <optional>
#include <string>

#include "core/caller.h"
#include "core/clock.h"
#include "core/email_status.h"
#include "core/result.h"
#include "settings/login_throttle.h"
#include "store/stores.h"

namespace sg::settings {

struct NewUser {
  std::string team_name;
  std::string email;
  Role role = Role::User;
  std::optional<std::string> password;
};

struct CreatedUser {
  std::string user_id;
  std::string team_id;
  bool team_created = false;
  std::string api_token;  // the only time it is ever available in plain text
};

// A signed-in browser: the cookie's token (shown once) and the CSRF token it must echo.
struct WebSession {
  Caller caller;
  std::string team_name;
  std::string session_token;
  std::string csrf_token;
  TimePoint expires_at;
};

class Accounts {
 public:
  Accounts(store::Store& store, Clock& clock, Millis session_ttl = Millis(12 * 3600 * 1000))
      : store_(store), clock_(clock), session_ttl_(session_ttl) {}

  // Creates the team when missing, then the user. Errors: invalid_request, user_exists.
  Result<CreatedUser> add_user(const NewUser& request);
  // Sets or replaces a user's web sign-in password. Errors: not_found, invalid_request.
  Status set_password(const std::string& email, const std::string& password);
  // A fresh API token for an existing user. Errors: not_found.
  Result<std::string> issue_token(const std::string& email);
  // The caller a bearer token belongs to, if any.
  std::optional<Caller> authenticate(const std::string& api_token);

  // Email + password sign-in from `client` (an address). Errors: unauthorized (the same
  // for an unknown email and a wrong password), rate_limited (with retry_after_seconds).
  Result<WebSession> sign_in(const std::string& email, const std::string& password, const std::string& client);
  // The live session behind a cookie token (session_token left empty).
  std::optional<WebSession> session(const std::string& session_token);
  void sign_out(const std::string& session_token);

 private:
  store::Store& store_;
  Clock& clock_;
  const Millis session_ttl_;
  LoginThrottle throttle_;
};

}  // namespace sg::settings
