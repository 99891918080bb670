// Unsubscribe tokens for List-Unsubscribe links: opaque, sealed under a key derived
// from the server key, scoped to one team and one address. Altered or forged tokens
// fail to open. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "crypto/secret_key.h"

namespace sg::crypto {

struct UnsubscribeScope {
  std::string team_id;
  std::string email_key;  // lower-cased address
};

class UnsubscribeTokens {
 public:
  explicit UnsubscribeTokens(const SecretKey& server_key)
      : key_(server_key.derive("sendguard unsubscribe token v1")) {}

  std::string issue(const UnsubscribeScope& scope) const;
  std::optional<UnsubscribeScope> open(std::string_view token) const;

 private:
  SecretKey key_;
};

}  // namespace sg::crypto
