// The seam under every repository: a database engine seen as connections that prepare
// statements, and a Db that hands a thread its connection. The repositories are written
// once against this; SQLite and PostgreSQL implement it. Failures throw StoreError: they
// mean a broken or unreachable database, not bad input.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/leadership.h"

namespace sg::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Engine { sqlite, postgresql };

// A statement whose text differs between the engines; everything else is written once.
struct Sql {
  std::string_view sqlite;
  std::string_view postgresql;
  std::string_view of(Engine e) const { return e == Engine::sqlite ? sqlite : postgresql; }
};

// One prepared statement of one connection, as an engine implements it. Parameters are
// 1-based; SQL text uses `?` or `?N` placeholders on every engine.
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_null(int index) = 0;
  virtual void bind_integer(int index, int64_t v) = 0;
  virtual void bind_text(int index, std::string_view v) = 0;
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual bool step() = 0;  // true while a row is available
  virtual int changes() const = 0;  // rows the finished statement changed
  virtual void reset() = 0;  // ready to bind and run again; drops bindings and rows
  virtual bool is_null(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual int64_t integer(int col) const = 0;
  virtual std::string blob(int col) const = 0;
};

// A prepared statement in use: bind parameters (in order), step, read columns (0-based).
// Borrows its connection's statement: it must not outlive the Conn it came from.
class Stmt {
 public:
  explicit Stmt(StatementImpl& impl) : impl_(&impl) {}
  ~Stmt() {
    if (impl_) impl_->reset();
  }
  Stmt(Stmt&& other) noexcept : impl_(std::exchange(other.impl_, nullptr)), next_param_(other.next_param_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& bind(int64_t v);
  Stmt& bind(int v) { return bind(static_cast<int64_t>(v)); }
  Stmt& bind(bool v) { return bind(static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(std::string_view v);
  Stmt& bind(const std::string& v) { return bind(std::string_view(v)); }
  Stmt& bind(const char* v) { return bind(std::string_view(v)); }
  Stmt& bind(const std::optional<std::string>& v);
  Stmt& bind(const std::optional<int64_t>& v);
  Stmt& bind_blob(std::string_view bytes);

  template <class... Args>
  Stmt& bind_all(const Args&... args) {
    (bind(args), ...);
    return *this;
  }

  bool step() { return impl_->step(); }
  void run();  // steps to completion, for statements without rows
  int changes() const { return impl_->changes(); }
  void reset();

  std::string text(int col) const { return impl_->text(col); }
  std::optional<std::string> opt_text(int col) const;
  int64_t integer(int col) const { return impl_->integer(col); }
  std::optional<int64_t> opt_integer(int col) const;
  std::string blob(int col) const { return impl_->blob(col); }

 private:
  StatementImpl* impl_;
  int next_param_ = 1;
};

// One connection to the database. Used by one thread at a time.
class Connection {
 public:
  virtual ~Connection() = default;
  // Prepared once per connection and cached by text.
  virtual StatementImpl& prepare(std::string_view sql) = 0;
  // Runs one or more statements without parameters or rows (migrations, BEGIN, …).
  virtual void exec(std::string_view sql) = 0;
  virtual void begin() = 0;  // takes the write lock at once where the engine has one
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

class Db;

// The calling thread's connection for a unit of work; gives it back when it goes.
class Conn {
 public:
  Conn(Db& db, Connection& c, bool owned) : db_(&db), c_(&c), owned_(owned) {}
  ~Conn();
  Conn(Conn&& other) noexcept
      : db_(other.db_), c_(other.c_), owned_(std::exchange(other.owned_, false)) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  Conn& operator=(Conn&&) = delete;

  Stmt prepare(std::string_view sql) { return Stmt(c_->prepare(sql)); }
  Stmt prepare(const Sql& sql);
  void exec(std::string_view sql) { c_->exec(sql); }
  Engine engine() const;

 private:
  Db* db_;
  Connection* c_;
  bool owned_;  // false inside a transaction: the transaction gives it back
};

class Db {
 public:
  virtual ~Db() = default;
  virtual Engine engine() const = 0;
  // True when other instances may use the database at the same time.
  virtual bool shared() const = 0;
  // Which of the instances sharing the database runs the work only one may run.
  virtual Leadership& leadership() = 0;

  // Inside a transaction on this thread: that transaction's connection. Otherwise one
  // taken for the Conn's lifetime (waiting for one when all are in use).
  Conn connect();

  // Runs `work` atomically and returns what it returns: every write in it lands, or none
  // does (on exception). A transaction begun inside another joins it.
  template <class Work>
  auto transaction(Work&& work) -> std::invoke_result_t<Work&> {
    Tx tx(*this);
    if constexpr (std::is_void_v<std::invoke_result_t<Work&>>) {
      work();
      tx.commit();
    } else {
      auto result = work();
      tx.commit();
      return result;
    }
  }

  // Runs `work` atomically like transaction(), in one commit with the work other threads
  // hand in meanwhile (group commit, after leveldb's queue of writers): the first in line
  // commits the group while the rest wait, so writers queueing for SQLite's one writer
  // share a commit instead of taking one each. Each work has a savepoint of its own: one
  // that throws is undone and rethrown to its caller alone; a failed commit is rethrown to
  // every caller in the group. `work` may run on another thread, so it touches only the
  // database and what its caller owns. Inside a transaction it joins it; on PostgreSQL it
  // is a transaction of its own.
  void group_commit(const std::function<void()>& work);
  // Like group_commit for several works handed in at once: each has its savepoint, and
  // what each threw (or the failed commit) comes back in its place, null where it
  // committed. On PostgreSQL they are one transaction.
  std::vector<std::exception_ptr> group_commit_each(std::span<const std::function<void()>> works);

  // Runs `done` once this thread's transaction on this Db has ended (committed or rolled
  // back), or at once outside one: for telling others of a write only when they can read
  // it. What `done` throws is logged, not passed on.
  void after_transaction(std::function<void()> done);

 protected:
  virtual Connection& acquire() = 0;
  virtual void release(Connection& c) noexcept = 0;

 private:
  friend class Conn;
  // Begins on the thread's connection unless a transaction is open there already.
  class Tx {
   public:
    explicit Tx(Db& db);
    ~Tx();
    Tx(const Tx&) = delete;
    Tx& operator=(const Tx&) = delete;
    void commit();

   private:
    Db& db_;
    Connection* c_ = nullptr;  // null when joining an outer transaction
    bool done_ = false;
  };
  Connection* current() const;  // this thread's open transaction's connection

  struct GroupMember {
    std::span<const std::function<void()>> works;
    std::vector<std::exception_ptr> failures;  // one per work
    bool done = false;
    std::condition_variable turn;  // done, or first in line
  };
  // Runs `group` (the front of the line) in one transaction; throws when it cannot commit.
  void commit_group(const std::vector<GroupMember*>& group);
  // Runs each work in a savepoint of the open transaction, noting what it throws.
  void run_each(std::span<const std::function<void()>> works, std::vector<std::exception_ptr>& failures);
  std::mutex group_mu_;
  std::deque<GroupMember*> waiting_;  // front: the member committing
};

}  // namespace sg::store
