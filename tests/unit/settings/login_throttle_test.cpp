// LoginThrottle on its own: four free failures per key, then waits of 30 s doubling up
// to 15 minutes, counted within 15 minutes; a success clears the key.
#include "settings/login_throttle.h"

#include <gtest/gtest.h>

#include <vector>

namespace sg::settings {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint t0 = from_unix_millis(1768478400000);

void fail_times(LoginThrottle& throttle, const std::string& key, int n, TimePoint at) {
  for (int i = 0; i < n; ++i) throttle.failed(key, at);
}

TEST(LoginThrottle, ThrottleLetsAnUnknownKeyGoAhead) {
  LoginThrottle throttle;
  EXPECT_EQ(Millis(0), throttle.wait_for("account:ann@x.com", t0));
}

TEST(LoginThrottle, ThrottleLetsFourFailuresGoWithoutWaiting) {
  LoginThrottle throttle;
  fail_times(throttle, "k", LoginThrottle::kFreeFailures, t0);
  EXPECT_EQ(4, LoginThrottle::kFreeFailures);
  EXPECT_EQ(Millis(0), throttle.wait_for("k", t0));
}

TEST(LoginThrottle, ThrottleMakesTheFifthFailureWaitThirtySeconds) {
  LoginThrottle throttle;
  fail_times(throttle, "k", 5, t0);
  EXPECT_EQ(Millis(seconds(30)), throttle.wait_for("k", t0));
  EXPECT_EQ(Millis(seconds(20)), throttle.wait_for("k", t0 + seconds(10)));
  EXPECT_EQ(Millis(0), throttle.wait_for("k", t0 + seconds(30)));
}

TEST(LoginThrottle, ThrottleDoublesTheWaitWithEachFurtherFailureUpToFifteenMinutes) {
  LoginThrottle throttle;
  fail_times(throttle, "k", 4, t0);
  std::vector<Millis> waits;
  for (int i = 0; i < 7; ++i) {
    throttle.failed("k", t0);
    waits.push_back(throttle.wait_for("k", t0));
  }
  EXPECT_EQ((std::vector<Millis>{seconds(30), seconds(60), seconds(120), seconds(240), seconds(480), minutes(15),
                                 minutes(15)}),
            waits);
}

TEST(LoginThrottle, ThrottleKeepsKeysApart) {
  LoginThrottle throttle;
  fail_times(throttle, "account:ann@x.com", 5, t0);
  EXPECT_EQ(Millis(0), throttle.wait_for("account:bob@x.com", t0));
  EXPECT_EQ(Millis(0), throttle.wait_for("client:10.0.0.1", t0));
}

TEST(LoginThrottle, ThrottleSuccessClearsTheKey) {
  LoginThrottle throttle;
  fail_times(throttle, "k", 5, t0);
  throttle.succeeded("k");
  EXPECT_EQ(Millis(0), throttle.wait_for("k", t0));
  fail_times(throttle, "k", 4, t0);
  EXPECT_EQ(Millis(0), throttle.wait_for("k", t0)) << "counting starts over";
}

TEST(LoginThrottle, ThrottleForgetsFailuresOlderThanFifteenMinutes) {
  // Given four failures, then a fifth 16 minutes later, then it is the first of a new
  // window and costs no wait.
  LoginThrottle throttle;
  fail_times(throttle, "k", 4, t0);
  throttle.failed("k", t0 + minutes(16));
  EXPECT_EQ(Millis(0), throttle.wait_for("k", t0 + minutes(16)));
}

TEST(LoginThrottle, ThrottleKeepsSlowingAGuesserWhoWaitsOutEveryLock) {
  // Given a guesser who fails five times, then fails again each time the lock runs out
  // (after 30, 60, 120 and 240 s), then their failure at 930 s is the fifth within the
  // last 15 minutes (at 30, 90, 210, 450 and 930 s): it must be made to wait. Counting
  // from the first failure's window instead starts them over with four free guesses.
  LoginThrottle throttle;
  TimePoint at = t0;
  fail_times(throttle, "k", 5, at);
  for (int i = 0; i < 4; ++i) {
    at += throttle.wait_for("k", at);
    throttle.failed("k", at);
  }
  ASSERT_EQ(t0 + seconds(450), at);
  ASSERT_EQ(Millis(seconds(480)), throttle.wait_for("k", at));
  at += throttle.wait_for("k", at);
  throttle.failed("k", at);
  EXPECT_GT(throttle.wait_for("k", at), Millis(0)) << "failure at +" << (at - t0) / seconds(1) << " s";
}

TEST(LoginThrottle, ThrottleReserveCountsTheAttemptBeforeItIsMade) {
  LoginThrottle throttle;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Millis(0), throttle.reserve({"pair", "client"}, t0)) << "attempt " << i + 1;
  EXPECT_EQ(Millis(seconds(30)), throttle.reserve({"pair", "client"}, t0)) << "the sixth must wait";
  EXPECT_EQ(5, throttle.recent_failures("pair", t0)) << "a refused attempt is not counted";
  EXPECT_EQ(5, throttle.recent_failures("client", t0));
}

TEST(LoginThrottle, ThrottleReserveRefusesWhenAnyKeyIsLockedAndCountsNone) {
  LoginThrottle throttle;
  fail_times(throttle, "client", 5, t0);
  EXPECT_EQ(Millis(seconds(30)), throttle.reserve({"pair", "client"}, t0));
  EXPECT_EQ(0, throttle.recent_failures("pair", t0));
}

TEST(LoginThrottle, ThrottleRefundTakesBackOneReservedAttemptAndItsLock) {
  LoginThrottle throttle;
  fail_times(throttle, "client", 4, t0);
  ASSERT_EQ(Millis(0), throttle.reserve({"client"}, t0));
  ASSERT_GT(throttle.wait_for("client", t0), Millis(0));
  throttle.refund("client");
  EXPECT_EQ(Millis(0), throttle.wait_for("client", t0));
  EXPECT_EQ(4, throttle.recent_failures("client", t0));
}

TEST(LoginThrottle, ThrottleForgetsRecentFailuresAfterTheWindow) {
  LoginThrottle throttle;
  fail_times(throttle, "k", 3, t0);
  EXPECT_EQ(3, throttle.recent_failures("k", t0 + minutes(15)));
  EXPECT_EQ(0, throttle.recent_failures("k", t0 + minutes(16)));
}

}  // namespace
}  // namespace sg::settings
