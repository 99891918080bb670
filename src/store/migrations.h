// Applies a schema history: each version in its own transaction, under a lock the engine
// holds for the transaction, so that instances starting together migrate once.
#pragma once

#include <span>
#include <string_view>

#include "store/db.h"

namespace sg::store {

// Brings the database to the newest version of `history` (entry i makes version i+1);
// returns the version reached.
int migrate(Db& db, std::span<const std::string_view> history);

}  // namespace sg::store
