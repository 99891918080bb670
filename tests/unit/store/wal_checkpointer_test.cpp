// WalCheckpointer over a real SQLite file: the log is copied back off the writer's path,
// and once copied it starts again from its beginning, however many commits came before.
#include "store/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>

#include "fakes/temp_store.h"

namespace sg::store {
namespace {

// A log that starts again overwrites its file from the beginning: the file stops growing.
constexpr std::uintmax_t kFrame = 4096 + 24;  // a page and its header


class WalCheckpointerTest : public ::testing::Test {
 protected:
  void commits(int n) {
    std::lock_guard lock(writer_mu);
    for (int i = 0; i < n; ++i) writer.exec("INSERT INTO t (x) VALUES (randomblob(3000))");
  }

  std::uintmax_t log_size() const { return std::filesystem::file_size(dir.path() + "-wal"); }

  test::TempStore dir;
  SqliteConnection writer{dir.path()};
  std::recursive_mutex writer_mu;
};

TEST_F(WalCheckpointerTest, ACopiedLogStartsAgainAtTheNextCommit) {
  writer.exec("CREATE TABLE t (x BLOB)");
  WalCheckpointer checkpointer(dir.path(), writer_mu, 1000000);  // never on its own
  checkpointer.attach(writer);
  commits(50);
  const std::uintmax_t after_50 = log_size();
  EXPECT_GE(after_50, 50 * kFrame);
  EXPECT_EQ(0, checkpointer.checkpoint()) << "every frame copied";
  commits(5);
  EXPECT_EQ(after_50, log_size()) << "the log began again instead of growing";
  WalCheckpointer::detach(writer);
}

TEST_F(WalCheckpointerTest, CommitsPastTheThresholdWakeTheThread) {
  writer.exec("CREATE TABLE t (x BLOB)");
  WalCheckpointer checkpointer(dir.path(), writer_mu, 20);
  checkpointer.attach(writer);
  // Each commit writes at least one frame: 300 of them if nothing copied the log. The
  // pauses give the thread its turn, however busy the machine.
  for (int round = 0; round < 30; ++round) {
    commits(10);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_LT(log_size(), 150 * kFrame) << "the log was started again along the way";
  WalCheckpointer::detach(writer);
}

TEST(SqliteDbCheckpoints, ABusyWritersLogStaysShortWhileOthersRead) {
  test::TempStore dir;
  SqliteDb db(dir.path(), 2);
  db.connect().exec("CREATE TABLE t (x BLOB)");
  std::atomic<bool> writing{true};
  std::thread reader([&] {
    while (writing) {
      auto conn = db.connect();
      auto s = conn.prepare("SELECT COUNT(*) FROM t");
      s.step();
    }
  });
  // Each commit writes a frame or more: past 6,000 frames (24 MB) if nothing copied them
  // back and started the log again.
  for (int i = 0; i < 6000; ++i)
    db.transaction([&] { db.connect().exec("INSERT INTO t (x) VALUES (randomblob(100))"); });
  writing = false;
  reader.join();
  EXPECT_LT(std::filesystem::file_size(dir.path() + "-wal"), 4000 * kFrame);
}

}  // namespace
}  // namespace sg::store
