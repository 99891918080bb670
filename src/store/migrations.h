// Versioned schema migrations, applied in order at start inside one transaction each.
#pragma once

#include "store/sqlite_db.h"

namespace sg::store {

// Brings the database to the newest schema; returns the version reached.
int migrate(SqliteDb& db);

}  // namespace sg::store
