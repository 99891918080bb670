// PostgreSQL under the store seam, through libpq: a pool of connections, each preparing
// the shared `?`/`?N` SQL once as a server-side prepared statement.
#pragma once

#include <memory>
#include <string>

#include "store/db.h"

namespace sg::store {

// `url` is a postgresql:// (or postgres://) URL exactly as libpq reads it: host, port,
// user, database, and any connection parameter in the query (sslmode, sslrootcert, …);
// without a password in it, libpq reads PGPASSFILE or ~/.pgpass. Connections open lazily,
// at most `pool_size` of them. Throws StoreError when the URL cannot be parsed or the
// pool size is below 1.
std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size);

}  // namespace sg::store
