// SqliteDb: the Db over one SQLite file in WAL mode, through one connection that every
// thread takes in turn (a recursive mutex, so a thread inside a transaction may call any
// repository). Statements are prepared once and cached by SQL text.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/db.h"

namespace sg::store {

class SqliteConnection final : public Connection {
 public:
  // Opens (creating) the file, enables WAL, foreign keys and a busy timeout.
  explicit SqliteConnection(const std::string& path);
  ~SqliteConnection() override;

  StatementImpl& prepare(std::string_view sql) override;
  void exec(std::string_view sql) override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

  [[noreturn]] void fail(const std::string& what) const;
  sqlite3* handle() { return db_; }

 private:
  class Statement;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

class SqliteDb final : public Db {
 public:
  explicit SqliteDb(const std::string& path) : conn_(path) {}
  Engine engine() const override { return Engine::sqlite; }
  // One process serves from a SQLite file (see DESIGN.md): it leads alone.
  bool shared() const override { return false; }
  Leadership& leadership() override { return sole_; }

 protected:
  Connection& acquire() override {
    mu_.lock();
    return conn_;
  }
  void release(Connection&) noexcept override { mu_.unlock(); }

 private:
  std::recursive_mutex mu_;
  SqliteConnection conn_;
  SoleInstance sole_;
};

}  // namespace sg::store
