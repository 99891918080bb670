// The adaptive polling of the activity feed, on a fake clock: the base interval while
// changes come, doubling while passes are empty up to ten times the base, and back to the
// base after a change or a nudge.
#include "mirror/poll_schedule.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace sg::mirror {
namespace {

constexpr Millis kBase{30000};

TEST(PollDelay, DoublesPerEmptyPassUpToTheFactor) {
  std::vector<long long> seconds;
  for (int empty = 0; empty <= 6; ++empty) seconds.push_back(poll_delay(kBase, 10, empty).count() / 1000);
  EXPECT_EQ((std::vector<long long>{30, 60, 120, 240, 300, 300, 300}), seconds);
  EXPECT_EQ(kBase, poll_delay(kBase, 1, 5)) << "a factor of 1 turns the backoff off";
  EXPECT_EQ(Millis(300000), poll_delay(kBase, 10, 1000000)) << "no overflow";
}

TEST(PollSchedule, AQuietTeamIsReadLessOftenAndABusyOneAtTheBase) {
  test::FakeClock clock;
  PollSchedule schedule(kBase, 10);
  EXPECT_TRUE(schedule.due("t", clock.now())) << "a team never read is due";
  schedule.passed("t", clock.now(), false);
  clock.advance(kBase);
  EXPECT_FALSE(schedule.due("t", clock.now()));
  clock.advance(kBase);
  EXPECT_TRUE(schedule.due("t", clock.now())) << "twice the base after one empty pass";
  schedule.passed("t", clock.now(), false);
  clock.advance(kBase * 3);
  EXPECT_FALSE(schedule.due("t", clock.now()));
  clock.advance(kBase);
  EXPECT_TRUE(schedule.due("t", clock.now())) << "four times after two";

  schedule.passed("t", clock.now(), true);
  clock.advance(kBase);
  EXPECT_TRUE(schedule.due("t", clock.now())) << "back to the base after a change";
}

TEST(PollSchedule, ANudgeMakesTheTeamDueAtOnceAndResetsItsPace) {
  test::FakeClock clock;
  PollSchedule schedule(kBase, 10);
  for (int i = 0; i < 5; ++i) schedule.passed("t", clock.now(), false);
  EXPECT_FALSE(schedule.due("t", clock.now() + kBase * 9));
  schedule.nudge("t");
  EXPECT_TRUE(schedule.due("t", clock.now()));
  schedule.started("t");
  schedule.passed("t", clock.now(), false);
  EXPECT_TRUE(schedule.due("t", clock.now() + kBase * 2)) << "the pace starts again from the base";
  EXPECT_TRUE(schedule.due("other", clock.now())) << "teams are paced apart";
}

TEST(PollSchedule, ANudgeDuringAPassMakesTheNextOneDueAsSoonAsItEnds) {
  test::FakeClock clock;
  PollSchedule schedule(kBase, 10);
  for (int i = 0; i < 5; ++i) schedule.passed("t", clock.now(), false);
  schedule.started("t");
  schedule.nudge("t");  // the webhook's news may be behind what this pass reads
  schedule.passed("t", clock.now(), false);
  EXPECT_TRUE(schedule.nudged("t"));
  EXPECT_TRUE(schedule.due("t", clock.now())) << "not lost when the pass ends";
  schedule.started("t");
  EXPECT_FALSE(schedule.nudged("t"));
  schedule.passed("t", clock.now(), false);
  EXPECT_FALSE(schedule.due("t", clock.now() + kBase)) << "then quiet again: twice the base";
  EXPECT_TRUE(schedule.due("t", clock.now() + kBase * 2)) << "the pace started again from the base";
}

TEST(PollSchedule, TheNextReadCountsFromThePassStart) {
  test::FakeClock clock;
  PollSchedule schedule(kBase, 10);
  TimePoint started = clock.now();
  clock.advance(Millis(5000));  // the pass took five seconds
  schedule.passed("t", started, true);
  EXPECT_TRUE(schedule.due("t", started + kBase)) << "the loop wakes one base interval after it dispatched";
}

}  // namespace
}  // namespace sg::mirror
