// Accounts: listing, creating and revoking API tokens.
#include "settings/accounts.h"

#include "core/email_address.h"

namespace sg::settings {

Result<std::vector<store::ApiToken>> Accounts::tokens(const Caller& caller, const std::optional<std::string>& user_id) {
  auto user = managed_user(caller, user_id.value_or(caller.user_id));
  if (!user) return user.error();
  return stores_.users.tokens(user->id);
}

Result<IssuedToken> Accounts::create_token(const Caller& caller, const std::string& name) {
  return add_token(caller.user_id, name);
}

Status Accounts::revoke_token(const Caller& caller, const std::string& token_id) {
  auto token = stores_.users.find_token(token_id);
  // A token the caller may not manage is reported exactly like one that does not exist.
  if (!token || (token->user_id != caller.user_id && !managed_user(caller, token->user_id)))
    return Error::not_found("no token " + token_id);
  stores_.users.remove_token(token->id);
  callers_.clear();
  return Status::success();
}

Result<std::vector<store::ApiToken>> Accounts::tokens(const std::string& email) {
  auto user = stores_.users.find_by_email(lowercase_ascii(email));
  if (!user) return Error::not_found("no user with email " + email);
  return stores_.users.tokens(user->id);
}

Status Accounts::revoke_token(const std::string& token_id) {
  if (!stores_.users.find_token(token_id)) return Error::not_found("no token " + token_id);
  stores_.users.remove_token(token_id);
  callers_.clear();
  return Status::success();
}

}  // namespace sg::settings
