// Relay credentials: a team's username + password for Salesforce Email Relay (or another
// system) to submit mail over SMTP as any member of the team.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace sg::settings {

struct RelayCredential {
  std::string id, team_id, name, username;
  TimePoint created_at;
};

class RelayCredentials {
 public:
  virtual ~RelayCredentials() = default;
  // The credential a username + password is, if any (constant-time compare of hashes;
  // the caller throttles guesses). Thread-safe.
  virtual std::optional<RelayCredential> verify(std::string_view username, std::string_view password) = 0;
};

}  // namespace sg::settings
