// Accounts: team administration — members, roles and removal.
#include "settings/accounts.h"

#include "core/email_address.h"

namespace sg::settings {
namespace {

Error last_admin() { return Error::make(errc::last_admin, "a team must keep at least one admin"); }

}  // namespace

Result<store::User> Accounts::managed_user(const Caller& caller, const std::string& user_id) {
  if (user_id != caller.user_id)
    if (Status may = require_admin(caller, "manage other members"); !may) return may.error();
  auto user = stores_.users.find_by_id(user_id);
  // Another team's user is reported exactly like one that does not exist.
  if (!user || user->team_id != caller.team_id) return Error::not_found("no user " + user_id + " in your team");
  return *user;
}

Result<std::vector<store::User>> Accounts::members(const Caller& caller) {
  if (Status may = require_admin(caller, "list the team's members"); !may) return may.error();
  return stores_.users.list(caller.team_id);
}

Result<store::User> Accounts::set_role(const Caller& caller, const std::string& user_id, Role role) {
  if (Status may = require_admin(caller, "change roles"); !may) return may.error();
  auto user = managed_user(caller, user_id);
  if (!user) return user.error();
  if (Status s = change_role(*user, role); !s) return s.error();
  user->role = role;
  return user;
}

Status Accounts::remove_user(const Caller& caller, const std::string& user_id) {
  if (Status may = require_admin(caller, "remove members"); !may) return may.error();
  auto user = managed_user(caller, user_id);
  if (!user) return user.error();
  return remove(*user);
}

Status Accounts::set_role(const std::string& email, Role role) {
  auto user = stores_.users.find_by_email(lowercase_ascii(email));
  if (!user) return Error::not_found("no user with email " + email);
  return change_role(*user, role);
}

Status Accounts::remove_user(const std::string& email) {
  auto user = stores_.users.find_by_email(lowercase_ascii(email));
  if (!user) return Error::not_found("no user with email " + email);
  return remove(*user);
}

Status Accounts::change_role(const store::User& user, Role role) {
  // Counting and changing in one transaction: two admins demoting each other cannot both win.
  Status changed = stores_.tx.transaction([&]() -> Status {
    if (user.role == Role::Admin && role != Role::Admin && stores_.users.count_admins(user.team_id) <= 1)
      return last_admin();
    stores_.users.set_role(user.id, role);
    return Status::success();
  });
  if (changed) callers_.clear();  // the role is part of the cached caller
  return changed;
}

Status Accounts::remove(const store::User& user) {
  Status removed = stores_.tx.transaction([&]() -> Status {
    if (user.role == Role::Admin && stores_.users.count_admins(user.team_id) <= 1) return last_admin();
    stores_.users.remove(user.id, clock_.now());
    return Status::success();
  });
  if (removed) callers_.clear();
  return removed;
}

}  // namespace sg::settings
