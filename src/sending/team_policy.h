// The gate's view of a team's stored settings: its fail policy and which optional
// sources are on. A new source adds its switch here.
#pragma once

#include "gate/unsubscribe_gate.h"
#include "store/records.h"

namespace sg::sending {

gate::TeamPolicy team_policy(const store::UnsubscribeSettings& s);

}  // namespace sg::sending
