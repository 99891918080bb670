// Marketo's limits kept in the store, on both engines: the daily budget outlives a reopen
// and is one for every store open on the database; the shared rate window holds its
// limits for several limiters together and frees the slot of a holder that died.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "fakes/engine_store.h"
#include "fakes/fake_clock.h"
#include "marketo/call_metrics.h"
#include "marketo/daily_budget.h"
#include "marketo/rate_limiter.h"

namespace sg::store {
namespace {

using marketo::DailyBudget;
using marketo::RateLimiter;

const std::string kKey = "a.mktorest.com|client|a.mktoidentity.com";
const TimePoint kWinterMorning = from_unix_millis(1768478400000);    // 2026-01-15T12:00Z, 06:00 CST
const TimePoint kCentralMidnight = from_unix_millis(1768543200000);  // 2026-01-16T06:00Z

class MarketoLimitsTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (!db.available()) GTEST_SKIP() << sg::test::EngineStore::kUnavailable;
    store = db.open();
  }

  // Another instance on the same database.
  std::unique_ptr<Store> another() const { return db.open(); }

  sg::test::EngineStore db{GetParam()};
  std::unique_ptr<Store> store;
};

SG_INSTANTIATE_ON_BOTH_ENGINES(MarketoLimitsTest);

// Raises `most` to `value` if higher.
void note_most(std::atomic<int>& most, int value) {
  int seen = most.load();
  while (value > seen && !most.compare_exchange_weak(seen, value)) {
  }
}

TEST_P(MarketoLimitsTest, TheDaysCountsOutliveAReopen) {
  // Given 3 lookups counted against a budget of 3, then a reopened store still knows the
  // day's calls and refuses a fourth.
  {
    DailyBudget budget(store->marketo_budget(), 3, 30, 0);
    EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning));
    EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning));
    EXPECT_EQ(DailyBudget::Spend::last, budget.try_spend(kKey, marketo::kActivityKind, kWinterMorning));
  }
  store.reset();
  store = db.open();
  DailyBudget budget(store->marketo_budget(), 3, 30, 0);
  const marketo::Usage usage = budget.usage(kKey, kWinterMorning + Millis{1000});
  EXPECT_EQ(3, usage.calls);
  EXPECT_EQ(1, usage.background_calls);
  EXPECT_EQ((std::map<std::string, int64_t>{{"activity", 1}, {"lookup", 2}}), usage.calls_by_kind);
  EXPECT_EQ(DailyBudget::Spend::refused, budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning));
}

TEST_P(MarketoLimitsTest, ANewDayBeginsAtMidnightUsCentral) {
  DailyBudget budget(store->marketo_budget(), 1, 30, 0);
  ASSERT_EQ(DailyBudget::Spend::last, budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::refused, budget.try_spend(kKey, marketo::kLookupKind, kCentralMidnight - Millis{1}));
  EXPECT_EQ(1, budget.usage(kKey, kCentralMidnight - Millis{1}).calls);
  EXPECT_EQ(0, budget.usage(kKey, kCentralMidnight).calls) << "06:00 UTC is midnight in Chicago";
  EXPECT_EQ(DailyBudget::Spend::last, budget.try_spend(kKey, marketo::kLookupKind, kCentralMidnight));
}

TEST_P(MarketoLimitsTest, TheUsageIsReadOnceAnHourWhicheverInstanceAsks) {
  std::unique_ptr<Store> other = another();
  DailyBudget mine(store->marketo_budget(), 100, 30, 1000);
  DailyBudget theirs(other->marketo_budget(), 100, 30, 1000);
  EXPECT_TRUE(mine.usage_due(kKey, kWinterMorning));
  EXPECT_FALSE(theirs.usage_due(kKey, kWinterMorning + Millis{1000}));
  EXPECT_TRUE(theirs.usage_due(kKey, kWinterMorning + std::chrono::hours{1}));
}

TEST_P(MarketoLimitsTest, AQuotaStopHoldsForEveryInstanceAndOutlivesAReopen) {
  // Given one instance told by Marketo that the quota is spent, then another instance on
  // the database and a reopened store both keep to the stop, through the day's calls.
  {
    DailyBudget budget(store->marketo_budget(), 100, 30, 0);
    ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning));
    budget.stop_until(kKey, kCentralMidnight);
  }
  std::unique_ptr<Store> other = another();
  DailyBudget theirs(other->marketo_budget(), 100, 30, 0);
  EXPECT_EQ(kCentralMidnight, theirs.stopped_until(kKey, kWinterMorning));
  store.reset();
  store = db.open();
  DailyBudget reopened(store->marketo_budget(), 100, 30, 0);
  EXPECT_EQ(kCentralMidnight, reopened.stopped_until(kKey, kCentralMidnight - Millis{1}));
  EXPECT_EQ(1, reopened.usage(kKey, kWinterMorning).calls) << "the day's count is kept beside it";
  EXPECT_EQ(std::nullopt, reopened.stopped_until(kKey, kCentralMidnight));
}

TEST_P(MarketoLimitsTest, TwoInstancesSpendOneBudgetTogether) {
  // Given two stores on one database spending from 8 threads against a budget of 50, then
  // exactly 50 calls are counted between them.
  std::unique_ptr<Store> other = another();
  DailyBudget mine(store->marketo_budget(), 50, 30, 0);
  DailyBudget theirs(other->marketo_budget(), 50, 30, 0);
  std::atomic<int> counted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      DailyBudget& budget = t % 2 == 0 ? mine : theirs;
      for (int call = 0; call < 10; ++call) {
        const DailyBudget::Spend spend = budget.try_spend(kKey, marketo::kLookupKind, kWinterMorning);
        ++(spend == DailyBudget::Spend::refused ? refused : counted);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(50, counted.load());
  EXPECT_EQ(30, refused.load());
  EXPECT_EQ(50, mine.usage(kKey, kWinterMorning).calls);
  EXPECT_EQ(50, theirs.usage(kKey, kWinterMorning).calls);
}

TEST_P(MarketoLimitsTest, TwoLimitersOnOneDatabaseHoldTheLimitsTogether) {
  // Given two limiters on two stores of one database, 12 calls per minute and 3 at once,
  // and 8 threads calling through them, then 12 calls start in all and never more than 3
  // run at once; alone, each limiter would have let 12 start.
  std::unique_ptr<Store> other = another();
  SystemClock clock;
  marketo::Limits limits;
  limits.calls_per_window = 12;
  limits.window = Millis{60000};
  limits.max_concurrent = 3;
  limits.max_wait_for_slot = Millis{10000};
  RateLimiter mine(clock, limits, &store->marketo_windows());
  RateLimiter theirs(clock, limits, &other->marketo_windows());
  std::atomic<int> started{0}, running{0}, most_running{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      RateLimiter& limiter = t % 2 == 0 ? mine : theirs;
      for (int call = 0; call < 3; ++call) {
        Result<RateLimiter::Permit> permit = limiter.acquire(kKey);
        if (!permit.ok()) continue;
        ++started;
        note_most(most_running, ++running);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --running;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(12, started.load());
  EXPECT_LE(most_running.load(), 3);
}

TEST_P(MarketoLimitsTest, ThePermitOfAHolderThatDiedExpires) {
  // Given the one concurrent slot taken by an instance that died holding it, then nobody
  // starts until its permit expires, and then at once.
  test::FakeClock clock(kWinterMorning);
  marketo::Limits limits;
  limits.max_concurrent = 1;
  limits.max_wait_for_slot = Millis{100};
  const std::optional<int64_t> dead = store->marketo_windows().start_if(
      kKey, clock.now(), limits.window, clock.now() + Millis{15000}, [](const marketo::WindowState&) { return true; });
  ASSERT_TRUE(dead);
  RateLimiter limiter(clock, limits, &store->marketo_windows());
  Result<RateLimiter::Permit> waiting = limiter.acquire(kKey);
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ("marketo_rate_limited", waiting.error().code);
  clock.advance(Millis{15000});
  EXPECT_TRUE(limiter.acquire(kKey).ok());
}

TEST_P(MarketoLimitsTest, TheWindowKeepsStartsPermitsAndPausesForEveryone) {
  // Given two starts, one released, and a pause then a shorter hold, then what a start is
  // decided on holds the two starts, one call in flight, the pause and the hold; a start
  // leaves the window after it.
  marketo::WindowLedger& window = store->marketo_windows();
  std::unique_ptr<Store> other = another();
  const auto yes = [](const marketo::WindowState&) { return true; };
  const Millis span{20000};
  const TimePoint t0 = kWinterMorning;
  ASSERT_TRUE(window.start_if(kKey, t0, span, t0 + Millis{15000}, yes));
  const std::optional<int64_t> second = window.start_if(kKey, t0 + Millis{10}, span, t0 + Millis{15000}, yes);
  ASSERT_TRUE(second);
  other->marketo_windows().release(*second);
  window.pause_until(kKey, t0 + Millis{5000}, false);
  other->marketo_windows().pause_until(kKey, t0 + Millis{2000}, true);

  marketo::WindowState seen;
  const auto look = [&](const marketo::WindowState& state) {
    seen = state;
    return false;
  };
  EXPECT_FALSE(other->marketo_windows().start_if(kKey, t0 + Millis{20}, span, t0 + Millis{15000}, look));
  EXPECT_EQ((std::vector<TimePoint>{t0, t0 + Millis{10}}), seen.starts);
  EXPECT_EQ(1, seen.in_flight);
  EXPECT_EQ(t0 + Millis{5000}, seen.paused_until);
  EXPECT_EQ(t0 + Millis{2000}, seen.held_until);

  EXPECT_FALSE(window.start_if(kKey, t0 + span, span, t0 + span + Millis{15000}, look));
  EXPECT_EQ((std::vector<TimePoint>{t0 + Millis{10}}), seen.starts) << "a start counts for one window";
  EXPECT_EQ(0, seen.in_flight) << "the first permit expired";
}

}  // namespace
}  // namespace sg::store
