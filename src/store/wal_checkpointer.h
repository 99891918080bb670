// WalCheckpointer: copies a SQLite file's write-ahead log back into the database on a
// thread of its own, instead of in whichever commit crosses SQLite's threshold, which
// would copy and sync a thousand pages while every other writer waits on it. Commits
// report the log's length (attach()); once `pages` frames are not yet copied, the thread
// copies them on its own connection without holding the writer (a passive checkpoint,
// which neither waits for nor blocks anyone), then, holding it briefly, the few frames
// committed meanwhile, waiting a few milliseconds at most for readers of older frames to
// finish: with nothing left to copy and no such reader, the next transaction starts the
// log from its beginning again, so it stays short however busy the writer and readers are.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "core/background_loop.h"
#include "store/sqlite_db.h"

namespace sg::store {

class WalCheckpointer {
 public:
  static constexpr int kDefaultPages = 1000;  // SQLite's own automatic threshold

  // `writer_mu` is held by whoever writes through this process's writer connection.
  WalCheckpointer(const std::string& path, std::recursive_mutex& writer_mu, int pages = kDefaultPages);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Makes `writer`'s commits report here, replacing SQLite's automatic checkpoint. Until
  // detach(), the checkpointer must outlive the connection's use.
  void attach(SqliteConnection& writer);
  static void detach(SqliteConnection& writer);
  // Copies the whole log now, as the thread does; returns the frames left in it. For tests.
  int checkpoint();

 private:
  static int on_commit(void* self, sqlite3*, const char*, int frames);
  // One pass in SQLite's checkpoint `mode`. Returns the frames in the log and how many of
  // them are copied.
  std::pair<int, int> copy_log(int mode);

  SqliteConnection connection_;
  std::recursive_mutex& writer_mu_;
  const int pages_;
  std::atomic<int> copied_{0};  // frames copied by the last pass
  std::atomic<bool> due_{false};
  BackgroundLoop loop_;  // last: stopped before the connection closes
};

}  // namespace sg::store
