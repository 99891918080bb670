#include "store/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace sg::store {
namespace {

// How long the second pass waits for readers of older frames, with the writer held: the
// statements of a request take well under this, and a longer wait would stall commits.
constexpr int kReaderWaits = 20;
constexpr auto kReaderWait = std::chrono::microseconds(250);

int wait_briefly_for_readers(void*, int tries) {
  if (tries >= kReaderWaits) return 0;
  std::this_thread::sleep_for(kReaderWait);
  return 1;
}

}  // namespace

WalCheckpointer::WalCheckpointer(const std::string& path, std::recursive_mutex& writer_mu, int pages)
    : connection_(path), writer_mu_(writer_mu), pages_(pages),
      // The interval only bounds a missed wake-up; commits wake the loop when one is due.
      loop_(Millis{1000}, [](const std::exception& e) { spdlog::warn("checkpoint: {}", e.what()); }) {
  sqlite3_busy_handler(connection_.handle(), &wait_briefly_for_readers, nullptr);
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

std::pair<int, int> WalCheckpointer::copy_log(int mode) {
  int frames = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(connection_.handle(), nullptr, mode, &frames, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) connection_.fail("checkpoint");
  copied_ = copied;
  return {frames, copied};
}

int WalCheckpointer::checkpoint() {
  copy_log(SQLITE_CHECKPOINT_PASSIVE);  // the bulk, while commits go on
  // The rest, and a wait for readers of the copied frames to finish: only then does the
  // next transaction start the log again. A reader still busy after the wait leaves that
  // to a later round.
  std::lock_guard writer(writer_mu_);
  auto [frames, copied] = copy_log(SQLITE_CHECKPOINT_RESTART);
  return frames - copied;
}

}  // namespace sg::store
