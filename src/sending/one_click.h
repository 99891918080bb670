// OneClickUnsubscribe: the receiving end of List-Unsubscribe links (RFC 8058). A valid
// token puts its address on its team's local suppression list at once and stops its
// campaign enrollments; repeating is harmless. Thread-safe.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "crypto/unsubscribe_token.h"
#include "store/stores.h"

namespace sg::sending {

class OneClickUnsubscribe {
 public:
  OneClickUnsubscribe(store::Store& store, const crypto::UnsubscribeTokens& tokens, Clock& clock)
      : store_(store), tokens_(tokens), clock_(clock) {}

  // The address a token is for; not_found when the token is forged or altered.
  Result<crypto::UnsubscribeScope> inspect(const std::string& token) const;
  // Errors: not_found.
  Result<crypto::UnsubscribeScope> unsubscribe(const std::string& token);

 private:
  store::Store& store_;
  const crypto::UnsubscribeTokens& tokens_;
  Clock& clock_;
};

}  // namespace sg::sending
