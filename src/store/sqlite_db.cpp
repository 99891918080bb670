#include "store/sqlite_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_session.h"
#include "store/wal_checkpointer.h"

namespace sg::store {

class SqliteConnection::Statement final : public StatementImpl {
 public:
  Statement(SqliteConnection& conn, sqlite3_stmt* stmt)
      : conn_(conn), stmt_(stmt), read_only_(sqlite3_stmt_readonly(stmt) != 0) {}
  ~Statement() override { sqlite3_finalize(stmt_); }
  bool read_only() const { return read_only_; }

  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }
  void bind_integer(int index, int64_t v) override { check(sqlite3_bind_int64(stmt_, index, v)); }
  void bind_text(int index, std::string_view v) override {
    check(sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void bind_blob(int index, std::string_view bytes) override {
    check(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
  }

  bool step() override {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    conn_.fail("step");
  }
  int changes() const override { return sqlite3_changes(conn_.handle()); }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool is_null(int col) const override { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const override {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
  }
  int64_t integer(int col) const override { return sqlite3_column_int64(stmt_, col); }
  std::string blob(int col) const override {
    const void* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) conn_.fail("bind");
  }
  SqliteConnection& conn_;
  sqlite3_stmt* stmt_;
  const bool read_only_;
};

SqliteConnection::SqliteConnection(const std::string& path, Access access) {
  const bool writer = access == Access::read_write;
  if (writer && path != ":memory:") {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // The database holds every team's data: create it readable by its owner alone. SQLite
    // gives the -wal and -shm files the database's own mode.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  const int mode = writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db_, mode | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (!writer) return;  // WAL is a property of the file; the rest concerns writes
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close(db_);
}

StatementImpl& SqliteConnection::prepare(std::string_view sql) { return cached(sql); }

StatementImpl* SqliteConnection::prepare_read(std::string_view sql) {
  Statement& s = cached(sql);
  return s.read_only() ? &s : nullptr;
}

SqliteConnection::Statement& SqliteConnection::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                           nullptr) != SQLITE_OK)
      fail("prepare: " + std::string(sql));
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(*this, stmt)).first;
  }
  return *it->second;
}

void SqliteConnection::exec(std::string_view sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

void SqliteConnection::begin() { exec("BEGIN IMMEDIATE"); }

void SqliteConnection::commit() { exec("COMMIT"); }

void SqliteConnection::rollback() noexcept {
  // When a statement failed SQLite may have rolled back already; nothing more can be done.
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteConnection::fail(const std::string& what) const {
  throw StoreError("sqlite " + what + ": " + sqlite3_errmsg(db_));
}

SqliteDb::SqliteDb(const std::string& path, int readers) : writer_(path) {
  if (path == ":memory:") return;
  for (int i = 0; i < readers; ++i) {
    readers_.push_back(std::make_unique<SqliteConnection>(path, SqliteConnection::Access::read_only));
    idle_readers_.push_back(readers_.back().get());
  }
  checkpointer_ = std::make_unique<WalCheckpointer>(path, writer_mu_);
  checkpointer_->attach(writer_);
}

SqliteDb::~SqliteDb() {
  if (checkpointer_) WalCheckpointer::detach(writer_);  // the writer outlives it
}

Connection& SqliteDb::acquire() { return *new SqliteSession(*this); }

void SqliteDb::release(Connection& c) noexcept { delete &static_cast<SqliteSession&>(c); }

SqliteConnection& SqliteDb::lock_writer() {
  writer_mu_.lock();
  return writer_;
}

SqliteConnection* SqliteDb::take_reader() {
  std::lock_guard lock(readers_mu_);
  if (idle_readers_.empty()) return nullptr;
  SqliteConnection* r = idle_readers_.back();
  idle_readers_.pop_back();
  return r;
}

void SqliteDb::give_back(SqliteConnection& reader) {
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(&reader);
}

}  // namespace sg::store
