#include "core/backoff.h"

#include <gtest/gtest.h>

namespace sg {
namespace {

TEST(Backoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  const long long caps[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
  for (int retry = 1; retry <= 7; ++retry) {
    const Millis cap = capped_backoff(Millis{500}, Millis{8000}, retry);
    EXPECT_EQ(caps[retry - 1], cap.count()) << retry;
    EXPECT_EQ(caps[retry - 1] / 2, equal_jitter(cap, 0.0).count()) << retry;
    EXPECT_NEAR(static_cast<double>(caps[retry - 1]), static_cast<double>(equal_jitter(cap, 0.999999).count()), 1.0)
        << retry;
  }
}

TEST(Backoff, SurvivesHugeRetryNumbers) {
  EXPECT_EQ(6000, equal_jitter(capped_backoff(Millis{500}, Millis{8000}, 1000000), 0.5).count());
  EXPECT_EQ(0, capped_backoff(Millis{0}, Millis{8000}, 1000000).count());
}

TEST(Backoff, TheFirstRetryAndBelowWaitTheBase) {
  EXPECT_EQ(5000, capped_backoff(Millis{5000}, Millis{600000}, 1).count());
  EXPECT_EQ(5000, capped_backoff(Millis{5000}, Millis{600000}, 0).count());
}

TEST(Backoff, ABaseAboveTheCapIsCapped) {
  EXPECT_EQ(1000, capped_backoff(Millis{3000}, Millis{1000}, 1).count());
}

TEST(Backoff, EqualJitterClampsItsRandomness) {
  EXPECT_EQ(3000, equal_jitter(Millis{4000}, 0.5).count());
  EXPECT_EQ(4000, equal_jitter(Millis{4000}, 7.0).count());
  EXPECT_EQ(2000, equal_jitter(Millis{4000}, -1.0).count());
}

}  // namespace
}  // namespace sg
