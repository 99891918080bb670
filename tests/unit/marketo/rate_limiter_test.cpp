#include "marketo/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "fakes/fake_clock.h"

namespace sg::marketo {
namespace {

using sg::test::FakeClock;

TEST(CallWindow, CallWindowAllowsNStartsPerRollingWindow) {
  CallWindow window(3, Millis{1000}, 10);
  const TimePoint t0 = from_unix_millis(0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(window.wait_needed(t0 + Millis{i * 100}));
    window.start(t0 + Millis{i * 100});
    window.finish();
  }
  // The first start leaves the window at t0 + 1000, not before.
  EXPECT_EQ(Millis{700}, window.wait_needed(t0 + Millis{300}));
  EXPECT_EQ(Millis{1}, window.wait_needed(t0 + Millis{999}));
  EXPECT_FALSE(window.wait_needed(t0 + Millis{1000}));
}

TEST(CallWindow, CallWindowNeverExceedsTheRateOverAnyWindow) {
  // Given a caller that starts whenever allowed, polling every 7 ms for 10 s,
  // then no interval of one window ever holds more than N starts.
  const int n = 5;
  const Millis span{1000};
  CallWindow window(n, span, 100);
  std::vector<TimePoint> starts;
  for (TimePoint t = from_unix_millis(0); t < from_unix_millis(10000); t += Millis{7}) {
    if (!window.wait_needed(t)) {
      window.start(t);
      window.finish();
      starts.push_back(t);
    }
  }
  ASSERT_GE(starts.size(), 45u);
  for (size_t i = n; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - n], span);
}

TEST(CallWindow, CallWindowBlocksOnConcurrencyUntilACallFinishes) {
  CallWindow window(100, Millis{1000}, 2);
  const TimePoint t0 = from_unix_millis(0);
  window.start(t0);
  window.start(t0);
  EXPECT_EQ(CallWindow::kUntilRelease, window.wait_needed(t0 + Millis{5000}));
  window.finish();
  EXPECT_FALSE(window.wait_needed(t0 + Millis{5000}));
  EXPECT_EQ(1, window.in_flight());
}

TEST(CallWindow, CallWindowPauseHoldsEveryStartBack) {
  CallWindow window(100, Millis{1000}, 10);
  const TimePoint t0 = from_unix_millis(0);
  window.pause_until(t0 + Millis{2500});
  window.pause_until(t0 + Millis{1000});  // a shorter pause does not shorten the longer one
  EXPECT_EQ(Millis{2500}, window.wait_needed(t0));
  EXPECT_FALSE(window.wait_needed(t0 + Millis{2500}));
}

TEST(CallWindow, CallWindowRebuiltFromAStoredStateKeepsItsRules) {
  const TimePoint t0 = from_unix_millis(0);
  WindowState state;
  state.starts = {t0, t0 + Millis{100}};
  state.in_flight = 1;
  EXPECT_EQ(Millis{900}, CallWindow(2, Millis{1000}, 5, state).wait_needed(t0 + Millis{100}))
      << "the window is full until the first start leaves it";
  EXPECT_EQ(CallWindow::kUntilRelease, CallWindow(5, Millis{1000}, 1, state).wait_needed(t0 + Millis{100}))
      << "the one concurrent slot is taken";
  state.in_flight = 0;
  state.paused_until = state.held_until = t0 + Millis{3000};
  CallWindow held(5, Millis{1000}, 1, state);
  EXPECT_EQ(Millis{2900}, held.wait_needed(t0 + Millis{100}));
  EXPECT_TRUE(held.held_at(t0 + Millis{100}));
  EXPECT_FALSE(held.wait_needed(t0 + Millis{3000}));
}

TEST(RateLimiter, RateLimiterWaitsOutTheWindowOnTheClock) {
  FakeClock clock;
  Limits limits;
  limits.calls_per_window = 2;
  limits.window = Millis{20000};
  const TimePoint t0 = clock.now();
  RateLimiter limiter(clock, limits);
  for (int i = 0; i < 3; ++i) {
    Result<RateLimiter::Permit> permit = limiter.acquire("a.mktorest.com");
    ASSERT_TRUE(permit.ok());
  }
  EXPECT_EQ(t0 + Millis{20000}, clock.now());
  EXPECT_EQ(std::vector<Millis>{Millis{20000}}, clock.sleeps());
}

TEST(RateLimiter, RateLimiterKeepsInstancesApart) {
  FakeClock clock;
  Limits limits;
  limits.calls_per_window = 1;
  RateLimiter limiter(clock, limits);
  ASSERT_TRUE(limiter.acquire("a.mktorest.com").ok());
  ASSERT_TRUE(limiter.acquire("b.mktorest.com").ok());
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(RateLimiter, RateLimiterGivesUpAtOnceWhenTheWindowOpensTooLate) {
  FakeClock clock;
  Limits limits;
  limits.calls_per_window = 1;
  limits.window = Millis{60000};
  limits.max_wait_for_slot = Millis{5000};
  RateLimiter limiter(clock, limits);
  ASSERT_TRUE(limiter.acquire("a").ok());
  Result<RateLimiter::Permit> second = limiter.acquire("a");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ("marketo_rate_limited", second.error().code);
  EXPECT_TRUE(clock.sleeps().empty()) << "the window cannot open within 5 s: no point waiting";
}

TEST(RateLimiter, RateLimiterWaitsWhenTheWindowOpensWithinMaxWait) {
  FakeClock clock;
  Limits limits;
  limits.calls_per_window = 1;
  limits.window = Millis{5000};
  limits.max_wait_for_slot = Millis{5000};
  RateLimiter limiter(clock, limits);
  ASSERT_TRUE(limiter.acquire("a").ok());
  ASSERT_TRUE(limiter.acquire("a").ok());
  EXPECT_EQ(std::vector<Millis>{Millis{5000}}, clock.sleeps());
}

TEST(RateLimiter, RateLimiterPauseDelaysTheNextCall) {
  FakeClock clock;
  RateLimiter limiter(clock, Limits{});
  limiter.pause("a", Millis{1500});
  ASSERT_TRUE(limiter.acquire("a").ok());
  EXPECT_EQ(std::vector<Millis>{Millis{1500}}, clock.sleeps());
}

TEST(RateLimiter, RateLimiterLetsEveryCallerWaitOutAShortPause) {
  FakeClock clock;
  RateLimiter limiter(clock, Limits{});
  limiter.pause("i", Millis{1500});  // after a 615 or 429: the lookup waits, not fails
  EXPECT_TRUE(limiter.acquire("i", false).ok());
  EXPECT_EQ(std::vector<Millis>{Millis{1500}}, clock.sleeps());
}

TEST(RateLimiter, RateLimiterTurnsAwayAtOnceACallerThatCannotWaitOutAHold) {
  FakeClock clock;
  RateLimiter limiter(clock, Limits{});
  limiter.hold_back("i", Millis{20000});
  Result<RateLimiter::Permit> impatient = limiter.acquire("i", false);
  ASSERT_FALSE(impatient.ok());
  EXPECT_EQ("marketo_rate_limited", impatient.error().code);
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_TRUE(limiter.acquire("i", true).ok());
  EXPECT_GE(clock.now() - from_unix_millis(1768478400000), Millis{20000});
  EXPECT_TRUE(limiter.acquire("i", false).ok()) << "the pause is over";
}

TEST(RateLimiter, RateLimiterGivesUpWhenEveryConcurrentSlotStaysTaken) {
  SystemClock clock;
  Limits limits;
  limits.max_concurrent = 1;
  limits.max_wait_for_slot = Millis{50};
  RateLimiter limiter(clock, limits);
  Result<RateLimiter::Permit> held = limiter.acquire("a");
  ASSERT_TRUE(held.ok());
  Result<RateLimiter::Permit> second = limiter.acquire("a");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ("marketo_rate_limited", second.error().code);
}

TEST(RateLimiter, RateLimiterHoldsRateAndConcurrencyAcrossThreads) {
  // Given 6 threads making 2 calls each through 3 calls per 150 ms and 2 concurrent,
  // then no window of 150 ms holds more than 3 starts and no more than 2 run at once.
  SystemClock clock;
  Limits limits;
  limits.calls_per_window = 3;
  limits.window = Millis{150};
  limits.max_concurrent = 2;
  limits.max_wait_for_slot = Millis{10000};
  RateLimiter limiter(clock, limits);
  std::mutex mu;
  std::vector<TimePoint> starts;
  std::atomic<int> running{0}, most_running{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int call = 0; call < 2; ++call) {
        Result<RateLimiter::Permit> permit = limiter.acquire("a.mktorest.com");
        if (!permit.ok()) {
          ++failures;
          continue;
        }
        const int now_running = ++running;
        int seen = most_running.load();
        while (now_running > seen && !most_running.compare_exchange_weak(seen, now_running)) {}
        {
          std::lock_guard lock(mu);
          starts.push_back(permit->started_at());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --running;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(0, failures.load());
  ASSERT_EQ(12u, starts.size());
  std::sort(starts.begin(), starts.end());
  for (size_t i = 3; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 3], limits.window) << i;
  EXPECT_LE(most_running.load(), 2);
  EXPECT_GE(most_running.load(), 1);
}

}  // namespace
}  // namespace sg::marketo
