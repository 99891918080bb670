// The gate's suppression sources over the real adapters: the team's local list in the
// store, and Marketo through the team's stored connection. Thread-safe.
#pragma once

#include "gate/mirror.h"
#include "gate/unsubscribe_gate.h"
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
  // Every answer Marketo gives is also written to the mirror (`sync`) with its time.
  MarketoSource(store::ConnectionStore& connections, store::MarketoSyncStore& sync, marketo::Client& client,
                Clock& clock)
      : connections_(connections), sync_(sync), client_(client), clock_(clock) {}
  // Error "marketo_not_connected" when the team has no connection.
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  store::ConnectionStore& connections_;
  store::MarketoSyncStore& sync_;
  marketo::Client& client_;
  Clock& clock_;
};

struct MirrorOptions {
  Millis trust_window{24LL * 3600 * 1000};  // how long a seen "not unsubscribed" stays trusted
  Millis max_sync_age{5 * 60 * 1000};       // the feed must have been read this recently
};

// The gate's Mirror over the store: trusted only while the team's feed is followed.
class StoreMirror final : public gate::Mirror {
 public:
  StoreMirror(store::MarketoSyncStore& sync, Clock& clock, MirrorOptions options)
      : sync_(sync), clock_(clock), options_(options) {}
  std::unordered_map<std::string, gate::MirrorAnswer> mirrored(const std::string& team_id,
                                                              const std::vector<std::string>& keys) override;

 private:
  store::MarketoSyncStore& sync_;
  Clock& clock_;
  const MirrorOptions options_;
};

marketo::Credentials credentials_of(const store::MarketoConnection& c);
// The gate's view of a team's stored settings.
gate::TeamPolicy team_policy(const store::UnsubscribeSettings& s);

}  // namespace sg::sending
