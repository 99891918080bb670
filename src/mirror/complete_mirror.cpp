#include "mirror/complete_mirror.h"

namespace sg::mirror {

bool knows_every_unsubscribe(const store::SyncState& sync, const store::SeedState& seed) {
  // A feed begun after the seed would have missed the changes in between; one begun
  // before it was already watching when the seed's first export was taken.
  return seed.phase == store::SeedPhase::done && seed.started_at && sync.following_since &&
         *sync.following_since <= *seed.started_at;
}

}  // namespace sg::mirror
