// The repositories the mirror's parts use: the team's Marketo connection, and the mirror
// with its sync state. MarketoSync, MirrorSeed and MarketoSource each take these.
#pragma once

#include "store/stores.h"

namespace sg::mirror {

struct MirrorStores {
  store::ConnectionStore& connections;
  store::MarketoSyncStore& marketo_sync;
};

}  // namespace sg::mirror
