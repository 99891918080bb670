// The store contract tests run on both engines: a Store over a SQLite file in a temporary
// folder, or over a fresh database in the ctest run's PostgreSQL cluster.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "crypto/secret_key.h"
#include "fakes/temp_postgres.h"
#include "fakes/temp_store.h"
#include "store/open_store.h"

namespace sg::test {

class EngineStore {
 public:
  explicit EngineStore(store::Engine engine) : engine_(engine) {
    if (engine == store::Engine::sqlite) {
      sqlite_.emplace();
    } else if (auto admin = read_url(SENDGUARD_TEST_POSTGRES_DIR)) {
      postgres_.emplace(*admin);
    }
  }

  // False for PostgreSQL when no cluster runs (a test binary started by hand, outside ctest).
  bool available() const { return sqlite_ || postgres_; }
  static constexpr const char* kUnavailable =
      "no PostgreSQL: run through ctest, whose fixture `postgres` starts a cluster";

  // Opens the database as a Store, migrating it; a second open sees what the first wrote.
  std::unique_ptr<store::Store> open(const crypto::SecretKey& key) const {
    if (sqlite_) return sqlite_->open(key);
    return store::open_postgres_store(postgres_->url(), 4, key);
  }
  // With a fixed key: what one open seals, the next opens.
  std::unique_ptr<store::Store> open() const {
    std::array<unsigned char, 32> bytes{};
    bytes.fill(7);
    return open(crypto::SecretKey::from_bytes(bytes));
  }

  store::Engine engine() const { return engine_; }
  // The SQLite file's folder; only for the SQLite engine.
  const TempStore& sqlite_file() const { return *sqlite_; }

 private:
  store::Engine engine_;
  std::optional<TempStore> sqlite_;
  std::optional<TempPostgresDatabase> postgres_;
};

inline std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info) {
  return info.param == store::Engine::sqlite ? "SQLite" : "PostgreSQL";
}

}  // namespace sg::test

// Runs the TEST_Ps of `fixture` on both engines.
#define SG_INSTANTIATE_ON_BOTH_ENGINES(fixture)                                                             \
  INSTANTIATE_TEST_SUITE_P(Engines, fixture,                                                                \
                           ::testing::Values(::sg::store::Engine::sqlite, ::sg::store::Engine::postgresql), \
                           ::sg::test::engine_name)
