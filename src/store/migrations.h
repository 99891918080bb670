// Versioned schema migrations, applied in order at start inside one transaction each.
#pragma once

#include <string_view>

#include "store/sqlite_db.h"

namespace sg::store {

// Brings the database to the newest schema; returns the version reached.
int migrate(SqliteDb& db);

// The statements that bring the schema to `version` (1-based) from the one before; lets
// a test replay one step over rows written before it.
std::string_view migration_sql(int version);

}  // namespace sg::store
