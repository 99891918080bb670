#include "sending/sources.h"

namespace sg::sending {

Result<std::unordered_set<std::string>> LocalListSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto found = list_.suppressed_among(team_id, keys);
  return std::unordered_set<std::string>(found.begin(), found.end());
}

marketo::Credentials credentials_of(const store::MarketoConnection& c) {
  return {c.rest_endpoint, c.identity_endpoint, c.client_id, c.client_secret};
}

Result<std::unordered_set<std::string>> MarketoSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto connection = connections_.get(team_id);
  if (!connection)
    return Error{"marketo_not_connected", "the team has no Marketo connection", {}, {}};
  return client_.unsubscribed_among(credentials_of(*connection), keys);
}

}  // namespace sg::sending
