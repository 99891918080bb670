// RelayCredentials: the SMTP logins a team admin makes for Salesforce Email Relay (or
// another system) to submit mail as any member of the team. The username is generated
// ("sgr_" and 22 random characters, so never mistaken for a person's email address) and
// the password is random, shown once, and stored only as its hash. Revoking deletes the
// credential: the next login with it fails. Thread-safe; the store must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/records.h"
#include "store/stores.h"

namespace sg::settings {

using RelayCredential = store::RelayCredential;  // {id, team_id, name, username, created_at}

// A credential just created: its listing and, this once, its password.
struct IssuedRelayCredential {
  RelayCredential info;
  std::string password;
};

// What the SMTP side asks: who a login is (a fake can stand in for tests).
class RelayCredentials {
 public:
  virtual ~RelayCredentials() = default;
  // The credential a username + password is, if any (constant-time compare of hashes;
  // the caller throttles guesses). Thread-safe.
  virtual std::optional<RelayCredential> verify(std::string_view username, std::string_view password) = 0;
};

// The repositories a StoreRelayCredentials uses.
struct RelayCredentialsStores {
  store::RelayCredentialStore& relay_credentials;
  store::TeamStore& teams;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class StoreRelayCredentials : public RelayCredentials {
 public:
  static constexpr std::string_view kUsernamePrefix = "sgr_";
  static constexpr std::string_view kPasswordPrefix = "sgrp_";

  StoreRelayCredentials(RelayCredentialsStores stores, Clock& clock) : stores_(stores), clock_(clock) {}

  // Success for a team admin: the API asks before it reads a request body.
  Status may_manage(const Caller& caller) const;
  // The caller forms are the API's: admins only (forbidden otherwise), for the caller's
  // team; another team's id is not_found. Errors also: invalid_request (name).
  Result<IssuedRelayCredential> create(const Caller& caller, const std::string& name);
  Result<std::vector<RelayCredential>> list(const Caller& caller);
  Status revoke(const Caller& caller, const std::string& id);
  // The operator's forms at the command line, by team name. Errors: not_found, invalid_request.
  Result<IssuedRelayCredential> create(const std::string& team_name, const std::string& name);
  Result<std::vector<RelayCredential>> list(const std::string& team_name);
  Status revoke(const std::string& id);

  std::optional<RelayCredential> verify(std::string_view username, std::string_view password) override;

 private:
  // Creates and audits; `actor` is the admin, or none for the operator.
  Result<IssuedRelayCredential> add(const std::string& team_id, const std::string& name, const Caller* actor);
  Status remove(const RelayCredential& credential, const Caller* actor);
  void audit(const std::string& team_id, const Caller* actor, const std::string& action,
             std::optional<std::string> before, std::optional<std::string> after);

  RelayCredentialsStores stores_;
  Clock& clock_;
};

}  // namespace sg::settings
