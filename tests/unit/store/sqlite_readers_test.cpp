// SqliteDb's read-only connections: a statement that only reads, outside a transaction,
// runs beside the writer and sees every commit made before it; anything that writes, and
// everything in a transaction, goes to the writer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "fakes/temp_store.h"
#include "store/sqlite_db.h"

namespace sg::store {
namespace {

class SqliteReadersTest : public ::testing::Test {
 protected:
  SqliteReadersTest() { db.connect().exec("CREATE TABLE t (v INTEGER NOT NULL)"); }

  int64_t count() {
    auto conn = db.connect();
    auto s = conn.prepare("SELECT COUNT(*) FROM t");
    s.step();
    return s.integer(0);
  }
  void insert(int64_t v) { db.connect().prepare("INSERT INTO t (v) VALUES (?)").bind(v).run(); }

  sg::test::TempStore dir;
  SqliteDb db{dir.path(), 2};
};

TEST_F(SqliteReadersTest, AWriteOutsideATransactionGoesToTheWriter) {
  insert(1);  // a read-only connection would refuse it
  auto conn = db.connect();
  auto returning = conn.prepare("INSERT INTO t (v) VALUES (2) RETURNING v");
  ASSERT_TRUE(returning.step());
  EXPECT_EQ(2, returning.integer(0));
  returning.reset();
  EXPECT_EQ(2, count());
}

TEST_F(SqliteReadersTest, AThreadReadsWhatItWroteJustBefore) {
  for (int i = 1; i <= 20; ++i) {
    insert(i);
    EXPECT_EQ(i, count()) << "a later Conn of the same thread";
  }
  // In one Conn: a read first (on a reader), then a write, then a read again.
  auto conn = db.connect();
  auto before = conn.prepare("SELECT COUNT(*) FROM t");
  before.step();
  EXPECT_EQ(20, before.integer(0));
  before.reset();
  conn.prepare("INSERT INTO t (v) VALUES (21)").run();
  auto after = conn.prepare("SELECT COUNT(*) FROM t");
  after.step();
  EXPECT_EQ(21, after.integer(0));
}

TEST_F(SqliteReadersTest, AReadDoesNotWaitForAnOpenTransaction) {
  insert(1);
  std::mutex mu;
  std::condition_variable cv;
  bool written = false, read = false;
  std::thread writer([&] {
    db.transaction([&] {
      db.connect().prepare("INSERT INTO t (v) VALUES (2)").run();
      std::unique_lock lock(mu);
      written = true;
      cv.notify_all();
      // Were reads served by the writer, the read below would wait for this commit and
      // count 2: the bound only turns that into a failure instead of a hang.
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return read; });
    });
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return written; });
  }
  EXPECT_EQ(1, count()) << "the committed state, read beside the open transaction";
  {
    std::lock_guard lock(mu);
    read = true;
  }
  cv.notify_all();
  writer.join();
  EXPECT_EQ(2, count()) << "and the commit once it is made";
}

TEST_F(SqliteReadersTest, ATransactionReadsItsOwnWrites) {
  db.transaction([&] {
    insert(1);
    EXPECT_EQ(1, count());
  });
}

TEST_F(SqliteReadersTest, ReadersRunConcurrentlyWithAWriterAndSeeEveryCommit) {
  constexpr int kRows = 300;
  std::atomic<int> committed{0};
  std::atomic<bool> stale{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)  // more threads than readers: some reads fall back to the writer
    readers.emplace_back([&] {
      int64_t seen = 0;
      while (seen < kRows) {
        int floor = committed.load();
        int64_t now = count();
        if (now < floor || now < seen) stale = true;  // a commit made before the read is missed
        seen = now;
      }
    });
  for (int i = 1; i <= kRows; ++i) {
    insert(i);
    committed = i;
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(stale);
  EXPECT_EQ(kRows, count());
}

TEST_F(SqliteReadersTest, AThreadHoldingEveryReaderStillReads) {
  insert(1);
  auto first = db.connect();
  auto a = first.prepare("SELECT v FROM t");
  ASSERT_TRUE(a.step());
  auto second = db.connect();
  auto b = second.prepare("SELECT v FROM t");
  ASSERT_TRUE(b.step());
  EXPECT_EQ(1, count()) << "no reader is idle: the writer serves the read";
}

TEST(SqliteReadersMemoryTest, AnInMemoryDatabaseHasOnlyItsWriter) {
  SqliteDb db(":memory:", 4);
  db.connect().exec("CREATE TABLE t (v INTEGER)");
  db.connect().prepare("INSERT INTO t (v) VALUES (1)").run();
  auto conn = db.connect();
  auto s = conn.prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(1, s.integer(0)) << "the one private database";
}

}  // namespace
}  // namespace sg::store
