#include "store/wal_checkpointer.h"

#include <spdlog/spdlog.h>

namespace sg::store {

WalCheckpointer::WalCheckpointer(const std::string& path, std::recursive_mutex& writer_mu, int pages)
    : connection_(path), writer_mu_(writer_mu), pages_(pages),
      // The interval only bounds a missed wake-up; commits wake the loop when one is due.
      loop_(Millis{1000}, [](const std::exception& e) { spdlog::warn("checkpoint: {}", e.what()); }) {
  loop_.start([this] {
    // Cleared only once done: a commit meanwhile finds the frames still waiting.
    if (due_) checkpoint();
    due_ = false;
    return false;
  });
}

WalCheckpointer::~WalCheckpointer() { loop_.stop(); }

void WalCheckpointer::attach(SqliteConnection& writer) {
  sqlite3_wal_hook(writer.handle(), &WalCheckpointer::on_commit, this);
}

void WalCheckpointer::detach(SqliteConnection& writer) { sqlite3_wal_hook(writer.handle(), nullptr, nullptr); }

int WalCheckpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  // A log shorter than what was last copied has started again from its beginning.
  int copied = c->copied_.load();
  int waiting = frames >= copied ? frames - copied : frames;
  if (waiting >= c->pages_ && !c->due_.exchange(true)) c->loop_.wake();
  return SQLITE_OK;
}

std::pair<int, int> WalCheckpointer::copy_log() {
  int frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(connection_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) connection_.fail("checkpoint");
  copied_ = copied;
  return {frames, copied};
}

int WalCheckpointer::checkpoint() {
  copy_log();  // the bulk, while commits go on
  std::lock_guard writer(writer_mu_);
  auto [frames, copied] = copy_log();
  return frames - copied;
}

}  // namespace sg::store
