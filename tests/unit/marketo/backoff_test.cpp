// Marketo's Backoff draws the jitter of core/backoff.h (tested in tests/unit/core) from
// its random source.
#include "marketo/backoff.h"

#include <gtest/gtest.h>

namespace sg::marketo {
namespace {

TEST(MarketoBackoff, BackoffDrawsItsJitterFromTheRandomSource) {
  EXPECT_EQ(1000, Backoff(Millis{500}, Millis{8000}, [] { return 0.0; }).delay(3).count());
  EXPECT_EQ(2000, Backoff(Millis{500}, Millis{8000}, [] { return 1.0; }).delay(3).count());
}

TEST(MarketoBackoff, DefaultRandomnessStaysWithinBounds) {
  const Backoff backoff(Millis{100}, Millis{1000});
  for (int i = 0; i < 200; ++i) {
    const Millis delay = backoff.delay(3);
    EXPECT_GE(delay.count(), 200);
    EXPECT_LE(delay.count(), 400);
  }
}

}  // namespace
}  // namespace sg::marketo
