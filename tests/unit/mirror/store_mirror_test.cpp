// StoreMirror over a real SQLite store: when its answers are trusted, and how a failing
// feed takes that trust away at once.
#include "mirror/store_mirror.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/temp_store.h"
#include "mirror/marketo_harness.h"

namespace sg::mirror {
namespace {

using test::kIdentity;
using test::kRest;

const std::vector<std::string> kBoth{"ann@x.com", "bob@y.com"};

class StoreMirrorTest : public ::testing::Test {
 protected:
  StoreMirrorTest() {
    team_ = store->teams().create("Acme", clock.now()).id;
    store->connections().put(team_, {kRest, kIdentity, "cid", "s", clock.now()});
    store->marketo_sync().mirror(team_, kRest, {{"ann@x.com", true}, {"bob@y.com", false}}, clock.now());
  }

  // A pass that read the feed to its end, or (`ok` false) a failed one.
  void synced(bool ok) {
    auto state = store->marketo_sync().sync_state(team_);
    (ok ? state.last_success_at : state.last_error_at) = clock.now();
    if (ok) state.confirmed_at = clock.now();
    if (!ok) state.last_error = "feed page unreadable";
    store->marketo_sync().put_sync_state(team_, kRest, state);
  }

  sg::test::TempStore db_file;
  crypto::SecretKey key = crypto::SecretKey::from_bytes({});
  std::unique_ptr<store::Store> store = db_file.open(key);
  sg::test::FakeClock clock;
  std::string team_;
  StoreMirror mirror{store->marketo_sync(), clock, MirrorOptions{}};
};

TEST_F(StoreMirrorTest, AFollowedFeedAnswersForEveryAddressItKnows) {
  synced(true);
  auto answers = mirror.mirrored(team_, kBoth);
  ASSERT_EQ(2u, answers.size());
  EXPECT_TRUE(answers["ann@x.com"].unsubscribed);
  EXPECT_TRUE(answers["bob@y.com"].trusted);
}

TEST_F(StoreMirrorTest, AFailedSyncStopsTrustingNotUnsubscribedAtOnce) {
  synced(true);
  clock.advance(Millis{1000});
  synced(false);
  auto answers = mirror.mirrored(team_, kBoth);
  EXPECT_EQ(0u, answers.count("bob@y.com")) << "looked up live, though the last success is a second old";
  ASSERT_EQ(1u, answers.count("ann@x.com"));
  EXPECT_TRUE(answers["ann@x.com"].unsubscribed) << "a known unsubscribe still blocks: fail closed";
}

TEST_F(StoreMirrorTest, ASuccessAfterTheFailureRestoresTrust) {
  synced(false);
  clock.advance(Millis{1000});
  synced(true);
  EXPECT_TRUE(mirror.mirrored(team_, kBoth)["bob@y.com"].trusted);
}

// A pass stopped by the page limit: the calls succeeded, but the feed is behind.
TEST_F(StoreMirrorTest, ASuccessfulPassThatDidNotReachTheEndIsNotFollowing) {
  auto state = store->marketo_sync().sync_state(team_);
  state.last_success_at = clock.now();
  store->marketo_sync().put_sync_state(team_, kRest, state);
  EXPECT_TRUE(mirror.mirrored(team_, kBoth).empty()) << "never read to its end";

  synced(true);
  clock.advance(MirrorOptions{}.max_sync_age);
  state = store->marketo_sync().sync_state(team_);
  state.last_success_at = clock.now();
  store->marketo_sync().put_sync_state(team_, kRest, state);
  clock.advance(Millis{1});
  EXPECT_TRUE(mirror.mirrored(team_, kBoth).empty()) << "read to its end too long ago, however recent the calls";
}

TEST_F(StoreMirrorTest, TrustComesBackOnlyOnceTheFeedIsReadToItsEndAfterAFailure) {
  synced(true);
  clock.advance(Millis{1000});
  synced(false);
  clock.advance(Millis{1000});
  auto state = store->marketo_sync().sync_state(team_);
  state.last_success_at = clock.now();  // a pass stopped by the page limit
  store->marketo_sync().put_sync_state(team_, kRest, state);
  EXPECT_EQ(0u, mirror.mirrored(team_, kBoth).count("bob@y.com")) << "what the failure hid may be unread";
  clock.advance(Millis{1000});
  synced(true);
  EXPECT_TRUE(mirror.mirrored(team_, kBoth)["bob@y.com"].trusted);
}

TEST_F(StoreMirrorTest, EachAnswerSaysWhenTimeAloneMayChangeItsJudgement) {
  const MirrorOptions options;
  const TimePoint seen = clock.now();  // when the fixture mirrored both addresses
  clock.advance(options.trust_window - Millis{1000});
  synced(true);
  auto answers = mirror.mirrored(team_, kBoth);
  // An unsubscribe holds while the feed counts as followed; a trusted "not unsubscribed"
  // also only while it is recent enough, here the sooner of the two.
  EXPECT_EQ(clock.now() + options.max_sync_age, answers["ann@x.com"].judged_until);
  EXPECT_EQ(seen + options.trust_window, answers["bob@y.com"].judged_until);
  clock.advance(Millis{1001});
  EXPECT_FALSE(mirror.mirrored(team_, kBoth)["bob@y.com"].trusted);
}

TEST_F(StoreMirrorTest, AFeedNotReadRecentlyAnswersNothing) {
  synced(true);
  clock.advance(MirrorOptions{}.max_sync_age + Millis{1});
  EXPECT_TRUE(mirror.mirrored(team_, kBoth).empty());
}

class CompleteMirrorTest : public StoreMirrorTest {
 protected:
  // The feed followed since `feed_since` and a seed begun at `seed_start`, in `phase`.
  void followed_and_seeded(TimePoint feed_since, TimePoint seed_start, store::SeedPhase phase) {
    auto state = store->marketo_sync().sync_state(team_);
    state.following_since = feed_since;
    store->marketo_sync().put_sync_state(team_, kRest, state);
    store::SeedState seed;
    seed.phase = phase;
    seed.started_at = seed_start;
    store->marketo_sync().put_seed_state(team_, seed);
  }
  const std::vector<std::string> kWithNew{"ann@x.com", "bob@y.com", "new@z.com"};
};

TEST_F(CompleteMirrorTest, ADoneSeedAfterTheFeedBeganAnswersForAddressesNeverHeardOf) {
  followed_and_seeded(clock.now(), clock.now() + Millis{1}, store::SeedPhase::done);
  clock.advance(MirrorOptions{}.trust_window + Millis{1});
  synced(true);
  auto answers = mirror.mirrored(team_, kWithNew);
  ASSERT_EQ(3u, answers.size());
  EXPECT_TRUE(answers["ann@x.com"].unsubscribed);
  EXPECT_FALSE(answers["ann@x.com"].trusted);
  EXPECT_TRUE(answers["bob@y.com"].trusted) << "a complete copy needs no recent sighting";
  EXPECT_FALSE(answers["new@z.com"].unsubscribed);
  EXPECT_TRUE(answers["new@z.com"].trusted);
}

TEST_F(CompleteMirrorTest, ASeedNotDoneOrBegunBeforeTheFeedLeavesUnknownAddressesToALookup) {
  followed_and_seeded(clock.now(), clock.now(), store::SeedPhase::running);
  synced(true);
  EXPECT_EQ(0u, mirror.mirrored(team_, kWithNew).count("new@z.com")) << "still seeding";
  followed_and_seeded(clock.now(), clock.now() - Millis{1}, store::SeedPhase::done);
  EXPECT_EQ(0u, mirror.mirrored(team_, kWithNew).count("new@z.com")) << "changes before the feed began were missed";
  auto never_followed = store->marketo_sync().sync_state(team_);
  never_followed.following_since.reset();
  store->marketo_sync().put_sync_state(team_, kRest, never_followed);
  EXPECT_EQ(0u, mirror.mirrored(team_, kWithNew).count("new@z.com"));
}

TEST_F(CompleteMirrorTest, AFailingFeedMakesEvenACompleteCopyAnswerOnlyForItsUnsubscribes) {
  followed_and_seeded(clock.now(), clock.now(), store::SeedPhase::done);
  synced(true);
  ASSERT_EQ(1u, mirror.mirrored(team_, kWithNew).count("new@z.com"));
  clock.advance(Millis{1000});
  synced(false);
  auto answers = mirror.mirrored(team_, kWithNew);
  EXPECT_EQ(1u, answers.size());
  EXPECT_TRUE(answers["ann@x.com"].unsubscribed);
}

}  // namespace
}  // namespace sg::mirror
