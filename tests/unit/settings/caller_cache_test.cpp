// CallerCache on a fake clock: entries live for the TTL, clear() drops them all (and what
// was read before it), and the bound holds under a flood of tokens.
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
  cache.put("hash", kAnn, cache.generation());
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
  cache.put("a", kAnn, cache.generation());
  cache.put("b", kAnn, cache.generation());
  cache.clear();
  EXPECT_FALSE(cache.find("a"));
  EXPECT_FALSE(cache.find("b"));
}

// The race of a lookup with a revoke in this process, in its losing order: the lookup reads
// the database (the token still valid), the revoke deletes the token and clears the cache,
// then the lookup puts what it read.
TEST(CallerCacheTest, ALookupThatReadBeforeAClearDoesNotPutItsCallerBack) {
  test::FakeClock clock;
  CallerCache cache(clock, Millis(5000));
  const uint64_t read_at = cache.generation();  // the lookup, before its database read
  cache.clear();                                // the revoke, after deleting the token
  cache.put("hash", kAnn, read_at);
  EXPECT_FALSE(cache.find("hash")) << "the revoked token's caller came back";

  cache.put("hash", kAnn, cache.generation());  // a lookup that began after the clear
  EXPECT_TRUE(cache.find("hash"));
}

TEST(CallerCacheTest, AFullCacheDropsExpiredEntriesFirstThenEverything) {
  test::FakeClock clock;
  CallerCache cache(clock, Millis(5000), 2);
  cache.put("old", kAnn, cache.generation());
  clock.advance(Millis(3000));
  cache.put("live", kAnn, cache.generation());
  clock.advance(Millis(2000));  // "old" has expired, "live" has not
  cache.put("new", kAnn, cache.generation());
  EXPECT_TRUE(cache.find("live"));
  EXPECT_TRUE(cache.find("new"));

  cache.put("third", kAnn, cache.generation());  // both live: all go, the newcomer stays
  EXPECT_FALSE(cache.find("live"));
  EXPECT_FALSE(cache.find("new"));
  EXPECT_TRUE(cache.find("third"));
}

}  // namespace
}  // namespace sg::settings
