// When a team's mirror knows every address Marketo holds as unsubscribed, so that an
// address it has never heard of is not unsubscribed: the seed copied every unsubscribed
// lead, and the feed — followed without a gap since before the seed began, and watching
// new leads and changed addresses too — brought every change after. Pure.
#pragma once

#include "store/records.h"

namespace sg::mirror {

bool knows_every_unsubscribe(const store::SyncState& sync, const store::SeedState& seed);

}  // namespace sg::mirror
