// SqliteDb: the Db over one SQLite file in WAL mode. One connection writes, taken by every
// thread in turn (a recursive mutex, so a thread inside a transaction may call any
// repository); beside it a few read-only connections serve, concurrently, the statements
// that only read outside a transaction (see SqliteSession), and a WalCheckpointer keeps the
// log short off the writer's path. Statements are prepared once per connection and cached
// by SQL text.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/db.h"

namespace sg::store {

class WalCheckpointer;

class SqliteConnection final : public Connection {
 public:
  enum class Access { read_write, read_only };
  // read_write opens (creating) the file and enables WAL and foreign keys; both set a busy
  // timeout.
  explicit SqliteConnection(const std::string& path, Access access = Access::read_write);
  ~SqliteConnection() override;

  StatementImpl& prepare(std::string_view sql) override;
  // The statement prepared on this connection when it only reads the database, else null.
  StatementImpl* prepare_read(std::string_view sql);
  void exec(std::string_view sql) override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;

  [[noreturn]] void fail(const std::string& what) const;
  sqlite3* handle() { return db_; }

 private:
  class Statement;
  Statement& cached(std::string_view sql);
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

class SqliteDb final : public Db {
 public:
  // `readers` read-only connections beside the writer; none for ":memory:", which is private
  // to its one connection.
  explicit SqliteDb(const std::string& path, int readers = 0);
  ~SqliteDb() override;
  Engine engine() const override { return Engine::sqlite; }
  // One process serves from a SQLite file (see DESIGN.md): it leads alone.
  bool shared() const override { return false; }
  Leadership& leadership() override { return sole_; }

 protected:
  Connection& acquire() override;
  void release(Connection& c) noexcept override;

 private:
  friend class SqliteSession;
  SqliteConnection& lock_writer();
  void unlock_writer() noexcept { writer_mu_.unlock(); }
  SqliteConnection* take_reader();  // null when every reader is in use: never waits
  void give_back(SqliteConnection& reader);

  std::recursive_mutex writer_mu_;
  SqliteConnection writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  std::vector<SqliteConnection*> idle_readers_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // none for ":memory:"
  SoleInstance sole_;
};

}  // namespace sg::store
