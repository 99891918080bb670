// CallerCache on a fake clock: entries live for the TTL, clear() drops them all, and the
// bound holds under a flood of tokens.
#include "settings/caller_cache.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace sg::settings {
namespace {

const Caller kAnn{"u1", "t1", "ann@acme.com", true};

TEST(CallerCacheTest, AnEntryLivesForTheTtlOnly) {
  test::FakeClock clock;
  CallerCache cache(clock, Millis(5000));
  EXPECT_FALSE(cache.find("hash"));
  cache.put("hash", kAnn);
  clock.advance(Millis(4999));
  auto found = cache.find("hash");
  ASSERT_TRUE(found);
  EXPECT_EQ("u1", found->user_id);
  EXPECT_TRUE(found->admin);
  clock.advance(Millis(1));
  EXPECT_FALSE(cache.find("hash"));
}

TEST(CallerCacheTest, ClearDropsEveryEntry) {
  test::FakeClock clock;
  CallerCache cache(clock, Millis(5000));
  cache.put("a", kAnn);
  cache.put("b", kAnn);
  cache.clear();
  EXPECT_FALSE(cache.find("a"));
  EXPECT_FALSE(cache.find("b"));
}

TEST(CallerCacheTest, AFullCacheDropsExpiredEntriesFirstThenEverything) {
  test::FakeClock clock;
  CallerCache cache(clock, Millis(5000), 2);
  cache.put("old", kAnn);
  clock.advance(Millis(3000));
  cache.put("live", kAnn);
  clock.advance(Millis(2000));  // "old" has expired, "live" has not
  cache.put("new", kAnn);
  EXPECT_TRUE(cache.find("live"));
  EXPECT_TRUE(cache.find("new"));

  cache.put("third", kAnn);  // both live: all go, the newcomer stays
  EXPECT_FALSE(cache.find("live"));
  EXPECT_FALSE(cache.find("new"));
  EXPECT_TRUE(cache.find("third"));
}

}  // namespace
}  // namespace sg::settings
