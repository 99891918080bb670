// Accounts: teams, users and their API tokens. Tokens are random, shown once, and
// stored only as hashes. Credentials can be revoked: a token on its own, every session on
// a password change, everything on removing a user. A token's caller is cached for
// kCallerCacheTtl: what another process changes (the command line, another instance) may
// take that long to be seen here. Thread-safe; the store must outlive it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "core/email_status.h"
#include "core/result.h"
#include "settings/caller_cache.h"
#include "settings/hash_slots.h"
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

// A token just issued: its listing and, this once, its value.
struct IssuedToken {
  store::ApiToken info;
  std::string value;
};

// A signed-in browser: the cookie's token (shown once) and the CSRF token it must echo.
struct WebSession {
  Caller caller;
  std::string team_name;
  std::string session_token;
  std::string csrf_token;
  TimePoint expires_at;
};

// How long an API token's caller is reused before the database is asked again.
inline constexpr Millis kCallerCacheTtl{5000};

// The caller a user acts as.
Caller caller_of(const store::User& user);

// The repositories Accounts uses.
struct AccountsStores {
  store::UserStore& users;
  store::TeamStore& teams;
  store::Transactions& tx;
};

class Accounts {
 public:
  Accounts(AccountsStores stores, Clock& clock, Millis session_ttl = Millis(12 * 3600 * 1000))
      : stores_(stores), clock_(clock), session_ttl_(session_ttl) {}

  // Creates the team when missing, then the user. Errors: invalid_request, user_exists.
  Result<CreatedUser> add_user(const NewUser& request);
  // Sets or replaces a user's web sign-in password and ends the user's sessions.
  // Errors: not_found, invalid_request.
  Status set_password(const std::string& email, const std::string& password);
  // A fresh API token for an existing user. Errors: not_found, invalid_request (name).
  Result<IssuedToken> issue_token(const std::string& email, const std::string& name);
  // The caller a bearer token belongs to, if any.
  std::optional<Caller> authenticate(const std::string& api_token);
  // The caller of a token authenticated lately, without reading the database: nullopt when
  // not known (ask authenticate()).
  std::optional<Caller> known_caller(const std::string& api_token) const;

  // Team administration (members.cpp). The caller forms are the API's: only admins manage
  // others, and another team's ids are not_found. The email forms are the operator's at the
  // command line. A team never loses its last admin (409 last_admin). Removing a user ends
  // its sessions and tokens; its row stays for the emails it sent.
  Result<std::vector<store::User>> members(const Caller& caller);
  Result<store::User> set_role(const Caller& caller, const std::string& user_id, Role role);
  Status remove_user(const Caller& caller, const std::string& user_id);
  Status set_role(const std::string& email, Role role);
  Status remove_user(const std::string& email);

  // API tokens (api_tokens.cpp): the caller's own; an admin may list and revoke those of
  // the team's members. Errors: forbidden, not_found, invalid_request (name).
  Result<std::vector<store::ApiToken>> tokens(const Caller& caller, const std::optional<std::string>& user_id);
  Result<IssuedToken> create_token(const Caller& caller, const std::string& name);
  Status revoke_token(const Caller& caller, const std::string& token_id);
  Result<std::vector<store::ApiToken>> tokens(const std::string& email);
  Status revoke_token(const std::string& token_id);

  // Email + password sign-in from `client` (an address). Errors: unauthorized (the same
  // for an unknown email and a wrong password), rate_limited (with retry_after_seconds).
  // Failures lock the (account, client) pair and the client; an account failing from many
  // clients is only slowed down, so that nobody can lock its owner out.
  Result<WebSession> sign_in(const std::string& email, const std::string& password, const std::string& client);
  // The live session behind a cookie token (session_token left empty).
  std::optional<WebSession> session(const std::string& session_token);
  void sign_out(const std::string& session_token);

 private:
  Result<IssuedToken> add_token(const std::string& user_id, const std::string& name);
  // The user `caller` may manage: itself, or (for an admin) a member of its team.
  Result<store::User> managed_user(const Caller& caller, const std::string& user_id);
  Status change_role(const store::User& user, Role role);
  Status remove(const store::User& user);

  AccountsStores stores_;
  Clock& clock_;
  const Millis session_ttl_;
  LoginThrottle throttle_;
  HashSlots hash_slots_{2, Millis(2000)};  // at most 128 MB of argon2id at once
  CallerCache callers_{clock_, kCallerCacheTtl};
};

}  // namespace sg::settings
