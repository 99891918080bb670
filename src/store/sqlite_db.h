// SqliteDb: one SQLite connection in WAL mode shared by every repository.
// Thread-safe: all use is serialised by a recursive mutex, so a Transaction held by a
// thread may call any repository. Statements are prepared once and cached by SQL text.
// Failures throw StoreError: they mean a broken database, not bad input.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace sg::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class SqliteDb;

// A prepared statement in use: bind parameters (1-based, in order), step, read columns.
class Stmt {
 public:
  Stmt(SqliteDb& db, sqlite3_stmt* stmt);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int64_t v);
  Stmt& bind(int v) { return bind(static_cast<int64_t>(v)); }
  Stmt& bind(bool v) { return bind(static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(const std::string& v);
  Stmt& bind(const char* v) { return bind(std::string(v)); }
  Stmt& bind(const std::optional<std::string>& v);
  Stmt& bind(const std::optional<int64_t>& v);
  Stmt& bind_blob(const std::string& bytes);

  template <class... Args>
  Stmt& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  bool step();   // true while a row is available
  void run();    // steps to completion, for statements without rows
  int changes() const;
  void reset();  // ready to bind and run again

  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  int64_t integer(int col) const;
  std::optional<int64_t> opt_integer(int col) const;
  std::string blob(int col) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_;
  int next_param_ = 1;
};

class SqliteDb {
 public:
  // Opens (creating) the file, enables WAL, foreign keys and a busy timeout.
  explicit SqliteDb(const std::string& path);
  ~SqliteDb();

  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mu_); }
  // The caller must hold lock() for as long as the Stmt lives.
  Stmt prepare(const std::string& sql);
  void exec(const std::string& sql);
  [[noreturn]] void fail(const std::string& what) const;
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::recursive_mutex mu_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE … COMMIT; rolls back unless commit() was called. Holds the db lock.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  void commit();

 private:
  SqliteDb& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool outer_;  // only the outermost transaction of a thread talks to SQLite
  bool done_ = false;
};

}  // namespace sg::store
