// PostgreSQL's migration history, applied in order by the migration runner (which keeps
// schema_migrations); the tables, columns and indexes are those of SQLite's history.
#pragma once

#include <span>
#include <string_view>

namespace sg::store {

std::span<const std::string_view> postgres_migrations();

}  // namespace sg::store
