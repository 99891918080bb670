// The gate against recording fake sources and a fake clock.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/unsubscribe_gate.h"

namespace sg::gate {
namespace {

using test::FakeClock;
using test::FakeSource;

class GateTest : public ::testing::Test {
 protected:
  GateAnswer check(const std::vector<std::string>& keys, TeamPolicy policy = {true, FailPolicy::Block},
                   const std::string& team = "tm_1") {
    return gate.check(team, policy, keys);
  }

  FakeSource local, marketo;
  FakeClock clock;
  Metrics metrics;
  UnsubscribeGate gate{local, marketo, clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(GateTest, VerdictPerAddressFromBothSources) {
  local.unsubscribed = {"local@x.com"};
  marketo.unsubscribed = {"mkto@x.com"};
  auto a = check({"local@x.com", "mkto@x.com", "ok@x.com"});
  EXPECT_EQ(Verdict::Suppressed, a.verdict("local@x.com"));
  EXPECT_EQ(Verdict::MarketoUnsubscribed, a.verdict("mkto@x.com"));
  EXPECT_EQ(Verdict::Allowed, a.verdict("ok@x.com"));
  // Locally suppressed addresses cost no Marketo lookup.
  ASSERT_EQ(1u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"mkto@x.com", "ok@x.com"}), marketo.asked[0]);
}

TEST_F(GateTest, DuplicatesAreAskedOnce) {
  check({"a@x.com", "b@x.com", "a@x.com"});
  ASSERT_EQ(1u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"a@x.com", "b@x.com"}), marketo.asked[0]);
}

TEST_F(GateTest, CheckOffNeverAsksMarketo) {
  marketo.unsubscribed = {"a@x.com"};
  local.unsubscribed = {"l@x.com"};
  auto a = check({"a@x.com", "l@x.com"}, TeamPolicy{false, FailPolicy::Block});
  EXPECT_TRUE(marketo.asked.empty());
  EXPECT_EQ(Verdict::Allowed, a.verdict("a@x.com"));
  EXPECT_EQ(Verdict::Suppressed, a.verdict("l@x.com"));  // the local list always applies
}

TEST_F(GateTest, AnswersAreReusedWithinMaxAgeOnly) {
  marketo.unsubscribed = {"a@x.com"};
  check({"a@x.com", "b@x.com"});
  clock.advance(Millis(59000));
  auto again = check({"a@x.com", "b@x.com"});
  EXPECT_EQ(1u, marketo.asked.size());
  EXPECT_EQ(Verdict::MarketoUnsubscribed, again.verdict("a@x.com"));

  clock.advance(Millis(1000));
  marketo.unsubscribed = {"b@x.com"};  // a resubscribed, b unsubscribed meanwhile
  auto fresh = check({"a@x.com", "b@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
  EXPECT_EQ(Verdict::Allowed, fresh.verdict("a@x.com"));
  EXPECT_EQ(Verdict::MarketoUnsubscribed, fresh.verdict("b@x.com"));
}

TEST_F(GateTest, OnlyUncachedAddressesAreLookedUp) {
  check({"a@x.com"});
  check({"a@x.com", "b@x.com"});
  ASSERT_EQ(2u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"b@x.com"}), marketo.asked[1]);
}

TEST(Gate, MaxAgeZeroAsksEveryTime) {
  FakeSource local, marketo;
  FakeClock clock;
  Metrics metrics;
  UnsubscribeGate gate{local, marketo, clock, metrics, GateOptions{Millis(0)}};
  gate.check("tm_1", {true, FailPolicy::Block}, {"a@x.com"});
  gate.check("tm_1", {true, FailPolicy::Block}, {"a@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
}

TEST_F(GateTest, TeamsDoNotShareAnswers) {
  marketo.unsubscribed = {"a@x.com"};
  check({"a@x.com"}, {true, FailPolicy::Block}, "tm_1");
  check({"a@x.com"}, {true, FailPolicy::Block}, "tm_2");
  EXPECT_EQ((std::vector<std::string>{"tm_1", "tm_2"}), marketo.teams);
}

TEST_F(GateTest, ForgetTeamDropsItsCachedAnswers) {
  check({"a@x.com"});
  gate.forget_team("tm_1");
  check({"a@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
}

TEST_F(GateTest, OutageWithBlockPolicyIsUnverified) {
  marketo.failing = true;
  local.unsubscribed = {"l@x.com"};
  auto a = check({"a@x.com", "l@x.com"});
  EXPECT_TRUE(a.marketo_unavailable);
  // In words of our own: what the endpoint said reaches only the log.
  EXPECT_EQ("the Marketo endpoint could not be reached", a.unavailable_detail);
  EXPECT_EQ(Verdict::Unverified, a.verdict("a@x.com"));
  EXPECT_EQ(Verdict::Suppressed, a.verdict("l@x.com"));
  EXPECT_TRUE(a.unverified_allowed.empty());
}

TEST_F(GateTest, OutageWithSendPolicyAllowsAndSaysSo) {
  marketo.failing = true;
  auto a = check({"a@x.com"}, TeamPolicy{true, FailPolicy::Send});
  EXPECT_EQ(Verdict::Allowed, a.verdict("a@x.com"));
  EXPECT_EQ((std::vector<std::string>{"a@x.com"}), a.unverified_allowed);
}

TEST_F(GateTest, FailedLookupsAreNotCached) {
  marketo.failing = true;
  check({"a@x.com"});
  marketo.failing = false;
  marketo.unsubscribed = {"a@x.com"};
  EXPECT_EQ(Verdict::MarketoUnsubscribed, check({"a@x.com"}).verdict("a@x.com"));
}

TEST_F(GateTest, CountsOutcomes) {
  marketo.unsubscribed = {"u@x.com"};
  check({"u@x.com", "ok@x.com", "ok2@x.com"});
  EXPECT_EQ(2u, metrics.counter("sendguard_checks_total", {{"outcome", "allowed"}}));
  EXPECT_EQ(1u, metrics.counter("sendguard_checks_total", {{"outcome", "marketo_unsubscribed"}}));
}

TEST(FreshnessCache, EvictsStaleThenEverythingWhenFull) {
  FreshnessCache cache(Millis(1000), 2);
  TimePoint t0 = from_unix_millis(1'000'000);
  cache.put("t", "a", true, t0);
  cache.put("t", "b", false, t0 + Millis(1500));
  cache.put("t", "c", true, t0 + Millis(1500));  // full: stale "a" goes
  EXPECT_FALSE(cache.get("t", "a", t0 + Millis(1500)));
  EXPECT_EQ(false, cache.get("t", "b", t0 + Millis(1500)));
  EXPECT_EQ(true, cache.get("t", "c", t0 + Millis(1500)));
}

}  // namespace
}  // namespace sg::gate
