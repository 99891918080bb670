#include "marketo/backoff.h"

#include <gtest/gtest.h>

namespace sg::marketo {
namespace {

TEST(Backoff, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  const Backoff low(Millis{500}, Millis{8000}, [] { return 0.0; });
  const Backoff high(Millis{500}, Millis{8000}, [] { return 0.999999; });
  const long long caps[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
  for (int retry = 1; retry <= 7; ++retry) {
    EXPECT_EQ(caps[retry - 1] / 2, low.delay(retry).count()) << retry;
    EXPECT_NEAR(static_cast<double>(caps[retry - 1]), static_cast<double>(high.delay(retry).count()), 1.0) << retry;
  }
}

TEST(Backoff, BackoffSurvivesHugeRetryNumbers) {
  const Backoff backoff(Millis{500}, Millis{8000}, [] { return 0.5; });
  EXPECT_EQ(6000, backoff.delay(1000000).count());
}

TEST(Backoff, BackoffDefaultRandomnessStaysWithinBounds) {
  const Backoff backoff(Millis{100}, Millis{1000});
  for (int i = 0; i < 200; ++i) {
    const Millis delay = backoff.delay(3);
    EXPECT_GE(delay.count(), 200);
    EXPECT_LE(delay.count(), 400);
  }
}

}  // namespace
}  // namespace sg::marketo
