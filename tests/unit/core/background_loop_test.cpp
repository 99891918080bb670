#include "core/background_loop.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace sg {
namespace {

constexpr Millis kHour{3600 * 1000};
constexpr auto kPatience = std::chrono::seconds(10);  // far above any real wait: only a hang fails

// Counts rounds so a test can wait until the loop has run a given number of them.
class Rounds {
 public:
  void ran() {
    {
      std::lock_guard lock(mu_);
      ++count_;
    }
    cv_.notify_all();
  }
  bool reach(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

void no_error(const std::exception& e) { ADD_FAILURE() << e.what(); }

TEST(BackgroundLoop, RunsAtOnceThenWaitsForWake) {
  Rounds rounds;
  BackgroundLoop loop(kHour, no_error);
  loop.start([&] {
    rounds.ran();
    return false;
  });
  ASSERT_TRUE(rounds.reach(1));
  loop.wake();
  ASSERT_TRUE(rounds.reach(2));
  loop.stop();
  EXPECT_EQ(2, rounds.count());
}

TEST(BackgroundLoop, AWakeDuringARoundIsNotLost) {
  Rounds rounds;
  BackgroundLoop loop(kHour, no_error);
  loop.start([&] {
    if (rounds.count() == 0) loop.wake();  // work arrives while the first round runs
    rounds.ran();
    return false;
  });
  EXPECT_TRUE(rounds.reach(2));
}

TEST(BackgroundLoop, MorePendingRunsTheNextRoundWithoutWaiting) {
  Rounds rounds;
  BackgroundLoop loop(kHour, no_error);
  loop.start([&] {
    rounds.ran();
    return rounds.count() < 3;
  });
  ASSERT_TRUE(rounds.reach(3));
  loop.stop();
  EXPECT_EQ(3, rounds.count());
}

TEST(BackgroundLoop, IdleRoundsRepeatAfterTheInterval) {
  Rounds rounds;
  BackgroundLoop loop(Millis{5}, no_error);
  loop.start([&] {
    rounds.ran();
    return false;
  });
  EXPECT_TRUE(rounds.reach(3));
}

TEST(BackgroundLoop, StopEndsAWaitAtOnce) {
  Rounds rounds;
  BackgroundLoop loop(kHour, no_error);
  loop.start([&] {
    rounds.ran();
    return false;
  });
  ASSERT_TRUE(rounds.reach(1));
  auto before = std::chrono::steady_clock::now();
  loop.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, kPatience);
  loop.stop();  // a second stop is harmless
  EXPECT_EQ(1, rounds.count());
}

TEST(BackgroundLoop, AThrowingRoundIsReportedAndTheLoopGoesOn) {
  Rounds rounds;
  std::mutex mu;
  std::vector<std::string> errors;
  BackgroundLoop loop(Millis{5}, [&](const std::exception& e) {
    std::lock_guard lock(mu);
    errors.emplace_back(e.what());
  });
  loop.start([&] {
    rounds.ran();
    if (rounds.count() == 1) throw std::runtime_error("database is locked");
    return false;
  });
  ASSERT_TRUE(rounds.reach(2));
  loop.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(std::vector<std::string>{"database is locked"}, errors);
}

TEST(BackgroundLoop, StopWithoutStartIsHarmless) {
  BackgroundLoop loop(kHour, no_error);
  loop.stop();
}

}  // namespace
}  // namespace sg
