// The SQLite schema's history, one entry per version.
#pragma once

#include <span>
#include <string_view>

namespace sg::store {

std::span<const std::string_view> sqlite_migrations();

// The statements that bring the schema to `version` (1-based) from the one before; lets
// a test replay one step over rows written before it.
std::string_view migration_sql(int version);

}  // namespace sg::store
