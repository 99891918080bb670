#include "store/db.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace sg::store {
namespace {

// Enough to share a commit among every handler thread; small enough that the first in
// line does not keep the rest waiting long.
constexpr size_t kMaxGroup = 64;

// The connections of the transactions open on this thread, one per Db at most.
thread_local std::vector<std::pair<const Db*, Connection*>> open_transactions;
// What after_transaction() left to run when those transactions end.
thread_local std::vector<std::pair<const Db*, std::function<void()>>> when_ended;

}  // namespace

Stmt& Stmt::bind(int64_t v) {
  impl_->bind_integer(next_param_++, v);
  return *this;
}

Stmt& Stmt::bind(std::string_view v) {
  impl_->bind_text(next_param_++, v);
  return *this;
}

Stmt& Stmt::bind(const std::optional<std::string>& v) {
  if (v) return bind(*v);
  impl_->bind_null(next_param_++);
  return *this;
}

Stmt& Stmt::bind(const std::optional<int64_t>& v) {
  if (v) return bind(*v);
  impl_->bind_null(next_param_++);
  return *this;
}

Stmt& Stmt::bind_blob(std::string_view bytes) {
  impl_->bind_blob(next_param_++, bytes);
  return *this;
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  impl_->reset();
  next_param_ = 1;
}

std::optional<std::string> Stmt::opt_text(int col) const {
  if (impl_->is_null(col)) return std::nullopt;
  return impl_->text(col);
}

std::optional<int64_t> Stmt::opt_integer(int col) const {
  if (impl_->is_null(col)) return std::nullopt;
  return impl_->integer(col);
}

Conn::~Conn() {
  if (owned_) db_->release(*c_);
}

Stmt Conn::prepare(const Sql& sql) { return prepare(sql.of(db_->engine())); }

Engine Conn::engine() const { return db_->engine(); }

Conn Db::connect() {
  if (Connection* c = current()) return Conn(*this, *c, false);
  return Conn(*this, acquire(), true);
}

Connection* Db::current() const {
  for (auto& [db, c] : open_transactions)
    if (db == this) return c;
  return nullptr;
}

Db::Tx::Tx(Db& db) : db_(db) {
  if (db.current()) return;
  Connection& c = db.acquire();
  try {
    c.begin();
  } catch (...) {
    db.release(c);
    throw;
  }
  c_ = &c;
  open_transactions.emplace_back(&db, &c);
}

Db::Tx::~Tx() {
  if (!c_) return;
  std::erase(open_transactions, std::pair<const Db*, Connection*>(&db_, c_));
  if (!done_) c_->rollback();
  db_.release(*c_);
  // A destructor must not throw. What is lost here only keeps copies for fast checks
  // until they expire; delivery never reads those.
  try {
    std::vector<std::function<void()>> ended;
    std::erase_if(when_ended, [&](auto& pending) {
      if (pending.first != &db_) return false;
      ended.push_back(std::move(pending.second));
      return true;
    });
    for (auto& done : ended) done();
  } catch (const std::exception& e) {
    spdlog::error("after a transaction: {}", e.what());
  }
}

void Db::after_transaction(std::function<void()> done) {
  if (!current()) return done();
  when_ended.emplace_back(this, std::move(done));
}

void Db::Tx::commit() {
  if (c_) c_->commit();
  done_ = true;
}

void Db::group_commit(const std::function<void()>& work) {
  if (current()) return work();
  // PostgreSQL runs the pool's transactions side by side and batches their WAL flushes
  // itself; a queue here would serialise them and add two round trips per work.
  if (engine() == Engine::postgresql) return transaction(work);
  std::exception_ptr failure = group_commit_each({&work, 1}).front();
  if (failure) std::rethrow_exception(failure);
}

std::vector<std::exception_ptr> Db::group_commit_each(std::span<const std::function<void()>> works) {
  std::vector<std::exception_ptr> failures(works.size());
  if (current() || engine() == Engine::postgresql) {
    try {
      transaction([&] { run_each(works, failures); });
    } catch (...) {
      std::fill(failures.begin(), failures.end(), std::current_exception());
    }
    return failures;
  }
  GroupMember me;
  me.works = works;
  me.failures = std::move(failures);
  std::unique_lock lock(group_mu_);
  waiting_.push_back(&me);
  me.turn.wait(lock, [&] { return me.done || waiting_.front() == &me; });
  if (!me.done) {
    std::vector<GroupMember*> group(waiting_.begin(), waiting_.begin() + std::min(waiting_.size(), kMaxGroup));
    lock.unlock();
    std::exception_ptr failed;
    try {
      commit_group(group);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    for (GroupMember* member : group) {
      waiting_.pop_front();
      if (failed) std::fill(member->failures.begin(), member->failures.end(), failed);
      member->done = true;
      if (member != &me) member->turn.notify_one();
    }
    if (!waiting_.empty()) waiting_.front()->turn.notify_one();
  }
  lock.unlock();
  return std::move(me.failures);
}

void Db::commit_group(const std::vector<GroupMember*>& group) {
  transaction([&] {
    // One work alone needs no savepoint: what it throws rolls the transaction back.
    if (group.size() == 1 && group.front()->works.size() == 1) return group.front()->works.front()();
    for (GroupMember* member : group) run_each(member->works, member->failures);
  });
}

void Db::run_each(std::span<const std::function<void()>> works, std::vector<std::exception_ptr>& failures) {
  Conn conn = connect();
  for (size_t i = 0; i < works.size(); ++i) {
    conn.exec("SAVEPOINT grouped");
    try {
      works[i]();
      conn.exec("RELEASE SAVEPOINT grouped");
    } catch (...) {
      failures[i] = std::current_exception();
      conn.exec("ROLLBACK TO SAVEPOINT grouped; RELEASE SAVEPOINT grouped");
    }
  }
}

}  // namespace sg::store
