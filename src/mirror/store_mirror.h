// The gate's Mirror of Marketo over the store: trusted only while the team's feed is
// followed, read to its end recently and not failing since. Once the copy is complete
// (seeded, and followed since before the seed), it also answers for addresses it has never
// heard of. Thread-safe.
#pragma once

#include "gate/mirror.h"
#include "store/stores.h"

namespace sg::mirror {

struct MirrorOptions {
  Millis trust_window{24LL * 3600 * 1000};  // how long a seen "not unsubscribed" stays trusted
  Millis max_sync_age{5 * 60 * 1000};       // the feed must have been read to its end this recently
};

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

}  // namespace sg::mirror
