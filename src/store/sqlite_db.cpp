#include "store/sqlite_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

namespace sg::store {

Stmt::Stmt(SqliteDb& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

Stmt::~Stmt() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::bind(int64_t v) {
  if (sqlite3_bind_int64(stmt_, next_param_++, v) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Stmt& Stmt::bind(const std::string& v) {
  if (sqlite3_bind_text(stmt_, next_param_++, v.data(), static_cast<int>(v.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}

Stmt& Stmt::bind(const std::optional<std::string>& v) {
  if (v) return bind(*v);
  if (sqlite3_bind_null(stmt_, next_param_++) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Stmt& Stmt::bind(const std::optional<int64_t>& v) {
  if (v) return bind(*v);
  if (sqlite3_bind_null(stmt_, next_param_++) != SQLITE_OK) db_.fail("bind");
  return *this;
}

Stmt& Stmt::bind_blob(const std::string& bytes) {
  if (sqlite3_bind_blob(stmt_, next_param_++, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    db_.fail("bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("step");
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  next_param_ = 1;
}

int Stmt::changes() const { return sqlite3_changes(db_.handle()); }

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return text(col);
}

int64_t Stmt::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Stmt::opt_integer(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return integer(col);
}

std::string Stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
}

SqliteDb::SqliteDb(const std::string& path) {
  if (path != ":memory:") {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // The database holds every team's data: create it readable by its owner alone. SQLite
    // gives the -wal and -shm files the database's own mode.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Stmt SqliteDb::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
        SQLITE_OK)
      fail("prepare: " + sql);
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(*this, it->second);
}

void SqliteDb::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError("sqlite: " + msg);
  }
}

void SqliteDb::fail(const std::string& what) const {
  throw StoreError("sqlite " + what + ": " + sqlite3_errmsg(db_));
}

Transaction::Transaction(SqliteDb& db)
    : db_(db), lock_(db.lock()), outer_(sqlite3_get_autocommit(db.handle()) != 0) {
  if (outer_) db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (outer_ && !done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const StoreError&) {
      // Nothing more can be done: SQLite rolls back itself when the statement failed.
    }
  }
}

void Transaction::commit() {
  if (outer_) db_.exec("COMMIT");
  done_ = true;
}

}  // namespace sg::store
