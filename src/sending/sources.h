// The gate's suppression sources over the real adapters: the team's local list in the
// store, and Marketo through the team's stored connection. Thread-safe.
#pragma once

#include "gate/suppression_source.h"
#include "marketo/marketo_client.h"
#include "store/stores.h"

namespace sg::sending {

class LocalListSource final : public gate::SuppressionSource {
 public:
  explicit LocalListSource(store::SuppressionStore& list) : list_(list) {}
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  store::SuppressionStore& list_;
};

class MarketoSource final : public gate::SuppressionSource {
 public:
  MarketoSource(store::ConnectionStore& connections, marketo::Client& client)
      : connections_(connections), client_(client) {}
  // Error "marketo_not_connected" when the team has no connection.
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  store::ConnectionStore& connections_;
  marketo::Client& client_;
};

marketo::Credentials credentials_of(const store::MarketoConnection& c);

}  // namespace sg::sending
