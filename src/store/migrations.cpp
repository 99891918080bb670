#include "store/migrations.h"

#include <chrono>

namespace sg::store {
namespace {

// PostgreSQL: a transaction-scoped advisory lock (the key spells "Send") serialises the
// instances; SQLite's BEGIN IMMEDIATE has already taken the one write lock.
constexpr Sql kLock{"SELECT 1", "SELECT pg_advisory_xact_lock(1399156324)"};
constexpr std::string_view kVersions =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";

int64_t now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs work(conn) in one transaction holding the lock.
template <class Work>
auto locked(Db& db, Work&& work) {
  return db.transaction([&] {
    auto conn = db.connect();
    conn.prepare(kLock).run();
    return work(conn);
  });
}

}  // namespace

int migrate(Db& db, std::span<const std::string_view> history) {
  const int newest = static_cast<int>(history.size());
  // Under the lock too: two PostgreSQL sessions creating the same table at once can both
  // miss it, and the second then fails on the catalog's unique index.
  locked(db, [](Conn& conn) { conn.exec(kVersions); });
  // One version per transaction, reading where the schema stands under the lock each time.
  while (locked(db, [&](Conn& conn) {
    auto current = conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    current.step();
    const int version = static_cast<int>(current.integer(0));
    current.reset();
    if (version >= newest) return false;
    conn.exec(history[static_cast<size_t>(version)]);
    conn.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
        .bind_all(version + 1, now_millis())
        .run();
    return true;
  })) {
  }
  return newest;
}

}  // namespace sg::store
