// SqliteStore: the Store over one SQLite file (the zero-setup default).
// Migrates on open. Secrets are sealed with `secrets_key` before they are written.
#pragma once

#include <memory>
#include <string>

#include "crypto/secret_key.h"
#include "store/sqlite_db.h"
#include "store/stores.h"

namespace sg::store {

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const crypto::SecretKey& secrets_key);

}  // namespace sg::store
