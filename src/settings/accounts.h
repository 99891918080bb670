// Accounts: teams, users and their API tokens. Tokens are random, shown once, and
// stored only as hashes. Thread-safe; the store must outlive it.
#pragma once

#include <optional>
#include <string>

#include "core/caller.h"
#include "core/clock.h"
#include "core/email_status.h"
#include "core/result.h"
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

class Accounts {
 public:
  Accounts(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  // Creates the team when missing, then the user. Errors: invalid_request, user_exists.
  Result<CreatedUser> add_user(const NewUser& request);
  // A fresh API token for an existing user. Errors: not_found.
  Result<std::string> issue_token(const std::string& email);
  // The caller a bearer token belongs to, if any.
  std::optional<Caller> authenticate(const std::string& api_token);

 private:
  store::Store& store_;
  Clock& clock_;
};

}  // namespace sg::settings
