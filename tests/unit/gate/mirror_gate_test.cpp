// The gate consulting the mirror of Marketo before the cache and a live lookup.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/unsubscribe_gate.h"

namespace sg::gate {
namespace {

using test::FakeMirror;

TeamPolicy policy(bool marketo_on, FailPolicy on_unavailable, bool authoritative) {
  TeamPolicy p;
  p.on_check_unavailable = on_unavailable;
  p.sources["marketo"] = {marketo_on, authoritative};
  return p;
}

class MirrorGateTest : public ::testing::Test {
 protected:
  test::FakeSource local, marketo;
  test::FakeClock clock;
  Metrics metrics;
  FakeMirror mirror;
  UnsubscribeGate gate{{test::checked_local(local), test::checked(marketo, "marketo", "marketo_unsubscribed", &mirror)},
                       clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(MirrorGateTest, AFreshlySyncedUnsubscribeBlocksWithoutAskingMarketo) {
  mirror.known["gone@x.com"] = {true, false, clock.now() - Millis(10000), TimePoint{}};
  auto a = gate.check("tm", policy(true, FailPolicy::Block, false), {"gone@x.com", "new@x.com"});
  EXPECT_EQ("marketo_unsubscribed", a.verdict("gone@x.com").reason);
  ASSERT_EQ(1u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"new@x.com"}), marketo.asked[0]);
}

TEST_F(MirrorGateTest, AStaleMirrorIsNotUsedUnlessAuthoritative) {
  mirror.known["gone@x.com"] = {true, false, clock.now() - Millis(120000), TimePoint{}};
  gate.check("tm", policy(true, FailPolicy::Block, false), {"gone@x.com"});
  EXPECT_EQ(1u, marketo.asked.size());  // older than the max age: asked live
  auto a = gate.check("tm", policy(true, FailPolicy::Block, true), {"gone@x.com"});
  EXPECT_EQ("marketo_unsubscribed", a.verdict("gone@x.com").reason);
}

TEST_F(MirrorGateTest, TrustedAnswersSkipMarketoOnlyWhenAuthoritative) {
  mirror.known["seen@x.com"] = {false, true, clock.now(), TimePoint{}};
  gate.check("tm", policy(true, FailPolicy::Block, true), {"seen@x.com"});
  EXPECT_TRUE(marketo.asked.empty());
  gate.check("tm", policy(true, FailPolicy::Block, false), {"seen@x.com"});
  EXPECT_EQ(1u, marketo.asked.size());
}

TEST_F(MirrorGateTest, UntrustedNotUnsubscribedStillAsksMarketo) {
  mirror.known["old@x.com"] = {false, false, clock.now(), TimePoint{}};
  marketo.unsubscribed = {"old@x.com"};
  auto a = gate.check("tm", policy(true, FailPolicy::Block, true), {"old@x.com"});
  EXPECT_EQ("marketo_unsubscribed", a.verdict("old@x.com").reason);
}

// Marketo as the gate asks it in production (MarketoSource): every answer is also mirrored,
// stamped when this source asked, which is after the gate asked (it reads the team's
// connection first; a millisecond here).
class MirroringSource final : public SuppressionSource {
 public:
  MirroringSource(test::FakeSource& marketo, FakeMirror& mirror, test::FakeClock& clock)
      : marketo_(marketo), mirror_(mirror), clock_(clock) {}
  Result<std::unordered_set<std::string>> unsubscribed_among(const std::string& team_id,
                                                             const std::vector<std::string>& keys) override {
    clock_.advance(Millis(1));
    const TimePoint asked = clock_.now();
    auto answer = marketo_.unsubscribed_among(team_id, keys);
    if (answer)
      for (const auto& k : keys) mirror_.known[k] = {answer->count(k) > 0, false, asked, asked};
    return answer;
  }

 private:
  test::FakeSource& marketo_;
  FakeMirror& mirror_;
  test::FakeClock& clock_;
};

class MirroredAnswerTest : public ::testing::Test {
 protected:
  Verdict check_ann() {
    return gate.check("tm", policy(true, FailPolicy::Block, false), {"ann@x.com"}).verdict("ann@x.com");
  }
  test::FakeSource local, marketo;
  test::FakeClock clock;
  Metrics metrics;
  FakeMirror mirror;
  MirroringSource asked{marketo, mirror, clock};
  UnsubscribeGate gate{{test::checked_local(local), test::checked(asked, "marketo", "marketo_unsubscribed", &mirror)},
                       clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(MirroredAnswerTest, TheMirroredCopyOfACachedAnswerIsNoNewsThatOutdatesIt) {
  EXPECT_TRUE(check_ann().allowed());
  clock.advance(Millis(1000));
  EXPECT_TRUE(check_ann().allowed());
  EXPECT_EQ(1u, marketo.asked.size()) << "answered from the cache, not asked again";
}

TEST_F(MirroredAnswerTest, AResubscribeTheMirrorLearnsLaterOutdatesACachedUnsubscribe) {
  marketo.unsubscribed = {"ann@x.com"};
  EXPECT_EQ("marketo_unsubscribed", check_ann().reason);
  clock.advance(Millis(1000));
  marketo.unsubscribed.clear();
  mirror.known["ann@x.com"] = {false, false, clock.now(), clock.now()};  // the feed's news
  EXPECT_TRUE(check_ann().allowed());
  EXPECT_EQ(2u, marketo.asked.size());
}

TEST_F(MirrorGateTest, CheckOffIgnoresTheMirror) {
  mirror.known["gone@x.com"] = {true, false, clock.now(), TimePoint{}};
  EXPECT_TRUE(gate.check("tm", policy(false, FailPolicy::Block, true), {"gone@x.com"}).verdict("gone@x.com").allowed());
}

}  // namespace
}  // namespace sg::gate
