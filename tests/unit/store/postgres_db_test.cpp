#include "store/postgres_db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "fakes/temp_postgres.h"
#include "store/migrations.h"
#include "store/postgres_migrations.h"

namespace sg::store {
namespace {

using test::PostgresTest;

class PostgresDbTest : public PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    if (IsSkipped()) return;
    db_ = open_postgres(url(), 4);
    db_->connect().exec("CREATE TABLE t (i BIGINT, n INTEGER, s TEXT, b BYTEA, f BOOLEAN)");
  }
  void TearDown() override { db_.reset(); }  // closes its connections before the database goes

  int64_t count_rows() {
    auto c = db_->connect();
    auto s = c.prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(s.step());
    return s.integer(0);
  }

  std::unique_ptr<Db> db_;
};

TEST_F(PostgresDbTest, ReportsItsEngine) { EXPECT_EQ(db_->engine(), Engine::postgresql); }

TEST_F(PostgresDbTest, BindsAndReadsEveryTypeAndNull) {
  const std::string bytes("a\0b\xff\x00z", 6);
  auto c = db_->connect();
  c.prepare("INSERT INTO t (i, n, s, b, f) VALUES (?, ?, ?, ?, ?)")
      .bind_all(int64_t{9007199254740993}, 7, std::string("héllo 'quoted'"))
      .bind_blob(bytes)
      .bind(true)
      .run();
  c.prepare("INSERT INTO t (i, n, s, b, f) VALUES (?, ?, ?, ?, ?)")
      .bind_all(std::optional<int64_t>{}, std::optional<int64_t>{}, std::optional<std::string>{})
      .bind_blob("")
      .bind(false)
      .run();

  auto s = c.prepare("SELECT i, n, s, b, f, i IS NULL FROM t ORDER BY i NULLS LAST");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 9007199254740993);
  EXPECT_EQ(s.integer(1), 7);
  EXPECT_EQ(s.text(2), "héllo 'quoted'");
  EXPECT_EQ(s.blob(3), bytes);
  EXPECT_EQ(s.integer(4), 1);
  EXPECT_EQ(s.integer(5), 0);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.opt_integer(0), std::nullopt);
  EXPECT_EQ(s.opt_integer(1), std::nullopt);
  EXPECT_EQ(s.opt_text(2), std::nullopt);
  EXPECT_EQ(s.blob(3), "");
  EXPECT_EQ(s.integer(4), 0);
  EXPECT_EQ(s.integer(5), 1);
  EXPECT_FALSE(s.step());
}

TEST_F(PostgresDbTest, NumberedPlaceholdersAreReusedAndQuotedMarksLeftAlone) {
  auto c = db_->connect();
  c.prepare("INSERT INTO t (s, i) VALUES (?2, ?1)").bind_all(5, "x").run();
  // A parameter's type comes from its first use: `?1 IS NULL` first would leave it unknown.
  auto s = c.prepare("SELECT i, s, '?1 ?', \"s\" FROM t WHERE i = ?2 AND (s = ?1 OR ?1 IS NULL) -- a ?\n");
  s.bind_all("x", 5);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 5);
  EXPECT_EQ(s.text(1), "x");
  EXPECT_EQ(s.text(2), "?1 ?");
  EXPECT_EQ(s.text(3), "x");
  EXPECT_FALSE(s.step());
}

TEST_F(PostgresDbTest, APreparedStatementRunsAgainAfterReset) {
  auto c = db_->connect();
  auto insert = c.prepare("INSERT INTO t (i) VALUES (?)");
  for (int i = 0; i < 3; ++i) {
    insert.bind(i).run();
    insert.reset();
  }
  auto update = c.prepare("UPDATE t SET n = 1 WHERE i >= ?");
  update.bind(1).run();
  EXPECT_EQ(update.changes(), 2);
}

TEST_F(PostgresDbTest, AFailingStatementNamesItsSqlState) {
  db_->connect().exec("CREATE TABLE u (k TEXT PRIMARY KEY)");
  db_->connect().prepare("INSERT INTO u VALUES (?)").bind("a").run();
  try {
    db_->connect().prepare("INSERT INTO u VALUES (?)").bind("a").run();
    FAIL() << "a duplicate key was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("23505"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(db_->connect().prepare("SELEKT 1"), StoreError);
}

TEST_F(PostgresDbTest, ATransactionThatThrowsLeavesNothing) {
  EXPECT_THROW(db_->transaction([&] {
    db_->connect().prepare("INSERT INTO t (i) VALUES (1)").run();
    throw std::runtime_error("no");
  }),
               std::runtime_error);
  EXPECT_EQ(count_rows(), 0);
}

TEST_F(PostgresDbTest, ATransactionWhoseStatementFailedDoesNotCommit) {
  EXPECT_THROW(db_->transaction([&] {
    db_->connect().prepare("INSERT INTO t (i) VALUES (1)").run();
    try {
      db_->connect().prepare("INSERT INTO t (i) VALUES ('not a number')").run();
    } catch (const StoreError&) {  // swallowed: the commit must still refuse
    }
  }),
               StoreError);
  EXPECT_EQ(count_rows(), 0);
}

TEST_F(PostgresDbTest, ANestedTransactionJoinsTheOuterOne) {
  auto single = open_postgres(url(), 1);  // a second connection would never come
  EXPECT_THROW(single->transaction([&] {
    single->connect().prepare("INSERT INTO t (i) VALUES (1)").run();
    single->transaction([&] { single->connect().prepare("INSERT INTO t (i) VALUES (2)").run(); });
    throw std::runtime_error("after the inner commit");
  }),
               std::runtime_error);
  EXPECT_EQ(count_rows(), 0);
}

TEST_F(PostgresDbTest, ATransactionReturnsWhatItsWorkReturns) {
  const int64_t n = db_->transaction([&] {
    db_->connect().prepare("INSERT INTO t (i) VALUES (41)").run();
    auto s = db_->connect().prepare("SELECT i + 1 FROM t");
    s.step();
    return s.integer(0);
  });
  EXPECT_EQ(n, 42);
  EXPECT_EQ(count_rows(), 1);
}

TEST_F(PostgresDbTest, TwoThreadsHoldTwoConnectionsAtOnce) {
  std::latch both_inside(2);
  auto work = [&](int base) {
    db_->transaction([&] {
      both_inside.arrive_and_wait();  // never passes unless both transactions are open together
      for (int i = 0; i < 50; ++i) db_->connect().prepare("INSERT INTO t (i) VALUES (?)").bind(base + i).run();
    });
  };
  std::thread a(work, 0);
  std::thread b(work, 1000);
  a.join();
  b.join();
  EXPECT_EQ(count_rows(), 100);
}

TEST_F(PostgresDbTest, TheNextCallerWaitsWhenThePoolIsExhausted) {
  auto single = open_postgres(url(), 1);
  std::atomic<bool> got{false};
  std::thread waiter;
  {
    auto held = single->connect();
    waiter = std::thread([&] {
      auto c = single->connect();
      got = true;
      c.prepare("INSERT INTO t (i) VALUES (1)").run();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a chance to (wrongly) get one
    EXPECT_FALSE(got);
  }
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(count_rows(), 1);
}

TEST_F(PostgresDbTest, AnUnreachableServerIsNamedWithoutThePassword) {
  auto unreachable = open_postgres("postgresql://sg:s3cret-pw@127.0.0.1:1/sendguard?connect_timeout=10", 1);
  for (int attempt = 0; attempt < 2; ++attempt) {  // the failed open gives its slot back
    try {
      unreachable->connect();
      FAIL() << "connected to port 1";
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("cannot connect to PostgreSQL: ", 0), 0u) << what;
      EXPECT_NE(what.find("127.0.0.1"), std::string::npos) << what;
      EXPECT_EQ(what.find("s3cret-pw"), std::string::npos) << what;
    }
  }
}

TEST(PostgresDb, ABadUrlOrPoolSizeIsRefusedAtOnce) {
  EXPECT_THROW(open_postgres("postgresql://sg:pw@host/db?nonsense_option=1", 4), StoreError);
  EXPECT_THROW(open_postgres("postgresql://localhost/db", 0), StoreError);
}

TEST(PostgresDb, TheCallAfterAServerRestartWorks) {
  if (!test::read_url(SENDGUARD_TEST_POSTGRES_DIR)) GTEST_SKIP() << "no PostgreSQL outside ctest";
  test::TempPostgresCluster cluster;
  auto db = open_postgres(cluster.url(), 2);
  auto select = [&] {
    auto c = db->connect();
    auto s = c.prepare("SELECT ? + 1");
    s.bind(1);
    EXPECT_TRUE(s.step());
    return s.integer(0);
  };
  EXPECT_EQ(select(), 2);
  cluster.restart();
  EXPECT_EQ(select(), 2);  // the pooled connection is opened again, its statement prepared again
  EXPECT_EQ(select(), 2);
}

TEST(PostgresDb, ARestartInsideATransactionFailsItAndTheNextCallWorks) {
  if (!test::read_url(SENDGUARD_TEST_POSTGRES_DIR)) GTEST_SKIP() << "no PostgreSQL outside ctest";
  test::TempPostgresCluster cluster;
  auto db = open_postgres(cluster.url(), 1);
  db->connect().exec("CREATE TABLE t (i BIGINT)");
  EXPECT_THROW(db->transaction([&] {
    db->connect().prepare("INSERT INTO t (i) VALUES (1)").run();
    cluster.restart();
    db->connect().prepare("INSERT INTO t (i) VALUES (2)").run();  // not retried on another connection
  }),
               StoreError);
  auto c = db->connect();
  auto s = c.prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 0);
}

TEST(PostgresDb, AServerThatIsGoneGivesACannotConnectError) {
  if (!test::read_url(SENDGUARD_TEST_POSTGRES_DIR)) GTEST_SKIP() << "no PostgreSQL outside ctest";
  std::optional<test::TempPostgresCluster> cluster(std::in_place);
  auto db = open_postgres(cluster->url(), 1);
  db->connect().exec("SELECT 1");
  cluster.reset();  // stopped and removed
  try {
    db->connect();
    FAIL() << "connected to a stopped server";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot connect to PostgreSQL: ", 0), 0u) << e.what();
  }
}

TEST_F(PostgresDbTest, TheMigrationsApplyToAnEmptyDatabase) {
  db_->connect().exec("DROP TABLE t");
  const int newest = static_cast<int>(postgres_migrations().size());
  EXPECT_EQ(migrate(*db_, postgres_migrations()), newest);
  EXPECT_EQ(migrate(*db_, postgres_migrations()), newest);  // a second start finds nothing to do
  auto c = db_->connect();
  c.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").bind_all("t1", "Team", int64_t{1}).run();
  c.prepare("INSERT INTO audit_log (team_id, action, created_at) VALUES (?, ?, ?) RETURNING id")
      .bind_all("t1", "x", int64_t{2})
      .run();
  auto s = c.prepare(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 27);  // with the runner's schema_migrations
}

TEST_F(PostgresDbTest, InstancesStartingTogetherMigrateOnceWithoutFailing) {
  const int newest = static_cast<int>(postgres_migrations().size());
  std::latch start(4);
  std::atomic<int> failures{0};
  auto instance = [&] {
    auto own = open_postgres(url(), 1);
    start.arrive_and_wait();
    try {
      if (migrate(*own, postgres_migrations()) != newest) ++failures;
    } catch (const StoreError&) {
      ++failures;
    }
  };
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i) instances.emplace_back(instance);
  for (auto& t : instances) t.join();
  EXPECT_EQ(failures, 0);
  auto s = db_->connect().prepare("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), newest);  // each version applied by one of them
  EXPECT_EQ(s.integer(1), newest);
}

}  // namespace
}  // namespace sg::store
