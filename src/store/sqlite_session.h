// SqliteSession: what SqliteDb hands out for one Conn or transaction. It picks a connection
// per statement: one that only reads goes to a read-only connection (WAL lets it run beside
// the writer, and it sees every commit made before it starts, so a thread reads its own
// autocommitted writes); anything else, and everything once the writer is held (a
// transaction, or a write earlier in the same Conn, whose later reads then stay on the
// connection that wrote), goes to the writer under its lock. With no reader idle, the
// writer serves the reads too: a thread never waits for a reader while holding one.
#pragma once

#include "store/sqlite_db.h"

namespace sg::store {

class SqliteSession final : public Connection {
 public:
  explicit SqliteSession(SqliteDb& db) : db_(db) {}
  ~SqliteSession() override;  // gives back its reader and the writer's lock
  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;

  StatementImpl& prepare(std::string_view sql) override;
  void exec(std::string_view sql) override { writer().exec(sql); }
  void begin() override { writer().begin(); }
  void commit() override { writer().commit(); }
  void rollback() noexcept override {
    if (writer_) writer_->rollback();
  }

 private:
  SqliteConnection& writer();
  SqliteConnection* reader();

  SqliteDb& db_;
  SqliteConnection* writer_ = nullptr;  // locked while set
  SqliteConnection* reader_ = nullptr;
  bool tried_reader_ = false;
};

}  // namespace sg::store
