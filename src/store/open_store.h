// Opening the Store: over a SQLite file (the zero-setup default) or a PostgreSQL database
// that several instances share. Migrates on open. Secrets are sealed with `secrets_key` before they are written.
#pragma once

#include <memory>
#include <string>

#include "crypto/secret_key.h"
#include "store/db.h"
#include "store/stores.h"

namespace sg::store {

// The repositories over `db`, migrated to the newest schema of its engine.
std::unique_ptr<Store> open_store(std::unique_ptr<Db> db, const crypto::SecretKey& secrets_key);

// One writer and `readers` read-only connections (none for ":memory:").
std::unique_ptr<Store> open_sqlite_store(const std::string& path, int readers, const crypto::SecretKey& secrets_key);

// `url` as libpq reads it (see postgres_db.h); at most `pool_size` connections.
std::unique_ptr<Store> open_postgres_store(const std::string& url, int pool_size,
                                           const crypto::SecretKey& secrets_key);

}  // namespace sg::store
