// OneClickUnsubscribe: the receiving end of List-Unsubscribe links (RFC 8058). A valid
// token puts its address on its team's local suppression list at once and stops its
// campaign enrollments; repeating is harmless. Thread-safe.
#pragma once

#include "core/clock.h"
#include "core/result.h"
#include "crypto/unsubscribe_token.h"
#include "store/stores.h"

namespace sg::sending {

// The repositories an OneClickUnsubscribe uses.
struct OneClickUnsubscribeStores {
  store::SuppressionStore& suppressions;
  store::CampaignStore& campaigns;
  store::ConnectionStore& connections;
  store::MarketoSyncStore& marketo_sync;
  store::Transactions& tx;
};

class OneClickUnsubscribe {
 public:
  OneClickUnsubscribe(OneClickUnsubscribeStores stores, const crypto::UnsubscribeTokens& tokens, Clock& clock)
      : stores_(stores), tokens_(tokens), clock_(clock) {}

  // The address a token is for; not_found when the token is forged or altered.
  Result<crypto::UnsubscribeScope> inspect(const std::string& token) const;
  // Errors: not_found.
  Result<crypto::UnsubscribeScope> unsubscribe(const std::string& token);

 private:
  OneClickUnsubscribeStores stores_;
  const crypto::UnsubscribeTokens& tokens_;
  Clock& clock_;
};

}  // namespace sg::sending
