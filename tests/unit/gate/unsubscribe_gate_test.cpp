// The gate against recording fake sources and a fake clock.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/unsubscribe_gate.h"

namespace sg::gate {
namespace {

using test::FakeClock;
using test::FakeSource;

// A team's policy with the "marketo" source on or off.
TeamPolicy policy(bool marketo_on, FailPolicy on_unavailable = FailPolicy::Block) {
  TeamPolicy p;
  p.on_check_unavailable = on_unavailable;
  p.sources["marketo"] = {marketo_on, false};
  return p;
}

std::vector<CheckedSource> two_sources(FakeSource& local, FakeSource& marketo) {
  return {test::checked_local(local), test::checked(marketo, "marketo", "marketo_unsubscribed")};
}

class GateTest : public ::testing::Test {
 protected:
  GateAnswer check(const std::vector<std::string>& keys, TeamPolicy p = policy(true),
                   const std::string& team = "tm_1") {
    return gate.check(team, p, keys);
  }

  FakeSource local, marketo;
  FakeClock clock;
  Metrics metrics;
  UnsubscribeGate gate{two_sources(local, marketo), clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(GateTest, VerdictPerAddressFromBothSources) {
  local.unsubscribed = {"local@x.com"};
  marketo.unsubscribed = {"mkto@x.com"};
  auto a = check({"local@x.com", "mkto@x.com", "ok@x.com"});
  EXPECT_EQ("suppressed", a.verdict("local@x.com").reason);
  EXPECT_EQ("marketo_unsubscribed", a.verdict("mkto@x.com").reason);
  EXPECT_TRUE(a.verdict("ok@x.com").allowed());
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
  auto a = check({"a@x.com", "l@x.com"}, policy(false));
  EXPECT_TRUE(marketo.asked.empty());
  EXPECT_TRUE(a.verdict("a@x.com").allowed());
  EXPECT_EQ("suppressed", a.verdict("l@x.com").reason);  // the local list always applies
}

TEST_F(GateTest, AnswersAreReusedWithinMaxAgeOnly) {
  marketo.unsubscribed = {"a@x.com"};
  check({"a@x.com", "b@x.com"});
  clock.advance(Millis(59000));
  auto again = check({"a@x.com", "b@x.com"});
  EXPECT_EQ(1u, marketo.asked.size());
  EXPECT_EQ("marketo_unsubscribed", again.verdict("a@x.com").reason);

  clock.advance(Millis(1000));
  marketo.unsubscribed = {"b@x.com"};  // a resubscribed, b unsubscribed meanwhile
  auto fresh = check({"a@x.com", "b@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
  EXPECT_TRUE(fresh.verdict("a@x.com").allowed());
  EXPECT_EQ("marketo_unsubscribed", fresh.verdict("b@x.com").reason);
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
  UnsubscribeGate gate{two_sources(local, marketo), clock, metrics, GateOptions{Millis(0)}};
  gate.check("tm_1", policy(true), {"a@x.com"});
  gate.check("tm_1", policy(true), {"a@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
}

TEST_F(GateTest, TeamsDoNotShareAnswers) {
  marketo.unsubscribed = {"a@x.com"};
  check({"a@x.com"}, policy(true), "tm_1");
  check({"a@x.com"}, policy(true), "tm_2");
  EXPECT_EQ((std::vector<std::string>{"tm_1", "tm_2"}), marketo.teams);
}

TEST_F(GateTest, ForgetTeamDropsItsCachedAnswers) {
  check({"a@x.com"});
  gate.forget_team("tm_1");
  check({"a@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
}

TEST_F(GateTest, APushedUnsubscribeRefusesWithoutALookup) {
  check({"a@x.com"});  // cached: not unsubscribed
  gate.pushed("marketo", "tm_1", "a@x.com", true);
  auto a = check({"a@x.com"});
  EXPECT_EQ("marketo_unsubscribed", a.verdict("a@x.com").reason);
  EXPECT_EQ(1u, marketo.asked.size());
  EXPECT_TRUE(check({"a@x.com"}, policy(true), "tm_2").verdict("a@x.com").allowed());  // only that team
}

TEST_F(GateTest, APushedResubscribeOnlyMakesTheNextCheckAsk) {
  marketo.unsubscribed = {"a@x.com"};
  check({"a@x.com"});
  gate.pushed("marketo", "tm_1", "a@x.com", false);
  gate.pushed("other", "tm_1", "a@x.com", true);  // news of another source changes nothing here
  auto a = check({"a@x.com"});
  EXPECT_EQ(2u, marketo.asked.size());
  EXPECT_EQ("marketo_unsubscribed", a.verdict("a@x.com").reason);  // the source still says so
}

TEST_F(GateTest, OutageWithBlockPolicyIsUnverified) {
  marketo.failing = true;
  local.unsubscribed = {"l@x.com"};
  auto a = check({"a@x.com", "l@x.com"});
  EXPECT_TRUE(a.unavailable);
  // Without words of the source's own, a sentence naming it; what it said reaches only the log.
  EXPECT_EQ("marketo could not answer (marketo_unreachable)", a.unavailable_detail);
  EXPECT_EQ("marketo", a.unavailable_source);
  EXPECT_EQ(Finding::Unverified, a.verdict("a@x.com").finding);
  EXPECT_EQ("suppressed", a.verdict("l@x.com").reason);
  EXPECT_TRUE(a.unverified_allowed.empty());
}

TEST_F(GateTest, ASourceNamingWhatItCannotAnswerFailsForThoseOnlyAndIsAskedAboutTheOthers) {
  marketo.unanswerable = {"shared@x.com"};
  marketo.unsubscribed = {"gone@x.com"};
  auto a = check({"shared@x.com", "gone@x.com", "ok@x.com"});
  EXPECT_EQ(Finding::Unverified, a.verdict("shared@x.com").finding);
  EXPECT_EQ("marketo_unsubscribed", a.verdict("gone@x.com").reason);
  EXPECT_TRUE(a.verdict("ok@x.com").allowed());
  EXPECT_TRUE(a.unavailable);
  ASSERT_EQ(2u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"gone@x.com", "ok@x.com"}), marketo.asked[1]);
}

TEST_F(GateTest, ASourceFailingAgainForTheOthersLeavesThemUnverified) {
  marketo.unanswerable = {"shared@x.com", "ok@x.com"};
  marketo.failure_code = "marketo_too_many_matches";
  auto a = check({"shared@x.com", "ok@x.com"});
  EXPECT_EQ(Finding::Unverified, a.verdict("shared@x.com").finding);
  EXPECT_EQ(Finding::Unverified, a.verdict("ok@x.com").finding);
  EXPECT_EQ(1u, marketo.asked.size()) << "every address named: nobody left to ask again";
}

TEST_F(GateTest, OutageWithSendPolicyAllowsAndSaysSo) {
  marketo.failing = true;
  auto a = check({"a@x.com"}, policy(true, FailPolicy::Send));
  EXPECT_TRUE(a.verdict("a@x.com").allowed());
  EXPECT_EQ((std::vector<std::string>{"a@x.com"}), a.unverified_allowed);
}

TEST_F(GateTest, AnAddressTheSourceCanNeverAnswerForIsBlockedEvenUnderTheSendPolicy) {
  CheckedSource crowdable = test::checked(marketo, "marketo", "marketo_unsubscribed");
  crowdable.never_answers = [](std::string_view code) { return code == "marketo_too_many_matches"; };
  UnsubscribeGate strict{{test::checked_local(local), crowdable}, clock, metrics, GateOptions{Millis(60000)}};
  marketo.unanswerable = {"shared@x.com"};
  marketo.failure_code = "marketo_too_many_matches";
  auto a = strict.check("tm_1", policy(true, FailPolicy::Send), {"shared@x.com", "ok@x.com"});
  EXPECT_EQ(Finding::Unverified, a.verdict("shared@x.com").finding) << "no outage: the send policy does not apply";
  EXPECT_TRUE(a.verdict("ok@x.com").allowed());
  EXPECT_TRUE(a.unverified_allowed.empty());
  marketo.failure_code = "marketo_unreachable";  // an outage of the same source still follows the policy
  auto b = strict.check("tm_1", policy(true, FailPolicy::Send), {"shared@x.com"});
  EXPECT_TRUE(b.verdict("shared@x.com").allowed());
}

TEST_F(GateTest, AnAskerThatCanWaitIsHeldBackNotLetThroughBySourceThatIsBackSoon) {
  CheckedSource limited = test::checked(marketo, "marketo", "marketo_unsubscribed");
  limited.back_soon = [](std::string_view code) { return code == "marketo_rate_limited"; };
  UnsubscribeGate g{{test::checked_local(local), limited}, clock, metrics, GateOptions{Millis(60000)}};
  marketo.failing = true;
  marketo.failure_code = "marketo_rate_limited";
  const TeamPolicy send = policy(true, FailPolicy::Send);
  EXPECT_TRUE(g.check("tm_1", send, {"a@x.com"}).verdict("a@x.com").allowed()) << "a person hears at once";
  EXPECT_EQ(Finding::Unverified, g.check("tm_1", send, {"a@x.com"}, Urgency::can_wait).verdict("a@x.com").finding);
  marketo.failure_code = "marketo_unreachable";
  EXPECT_TRUE(g.check("tm_1", send, {"a@x.com"}, Urgency::can_wait).verdict("a@x.com").allowed())
      << "an outage follows the policy";
}

TEST_F(GateTest, FailedLookupsAreNotCached) {
  marketo.failing = true;
  check({"a@x.com"});
  marketo.failing = false;
  marketo.unsubscribed = {"a@x.com"};
  EXPECT_EQ("marketo_unsubscribed", check({"a@x.com"}).verdict("a@x.com").reason);
}

TEST_F(GateTest, CountsOutcomes) {
  marketo.unsubscribed = {"u@x.com"};
  check({"u@x.com", "ok@x.com", "ok2@x.com"});
  EXPECT_EQ(2u, metrics.counter("sendguard_checks_total", {{"outcome", "allowed"}}));
  EXPECT_EQ(1u, metrics.counter("sendguard_checks_total", {{"outcome", "marketo_unsubscribed"}}));
}

// A third source, as Salesforce would be: asked after the others, for what they left open.
class ThreeSourceTest : public ::testing::Test {
 protected:
  TeamPolicy both_on(FailPolicy on_unavailable = FailPolicy::Block) {
    TeamPolicy p = policy(true, on_unavailable);
    p.sources["crm"] = {true, false};
    return p;
  }

  FakeSource local, marketo, crm;
  FakeClock clock;
  Metrics metrics;
  UnsubscribeGate gate{{test::checked_local(local), test::checked(marketo, "marketo", "marketo_unsubscribed"),
                        test::checked(crm, "crm", "crm_opted_out")},
                       clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(ThreeSourceTest, EachSourceIsAskedOnlyForWhatEarlierOnesLeftOpenAndNamesItsReason) {
  local.unsubscribed = {"l@x.com"};
  marketo.unsubscribed = {"m@x.com"};
  crm.unsubscribed = {"c@x.com", "m@x.com"};
  auto a = gate.check("tm", both_on(), {"l@x.com", "m@x.com", "c@x.com", "ok@x.com"});
  EXPECT_EQ("suppressed", a.verdict("l@x.com").reason);
  EXPECT_EQ("marketo_unsubscribed", a.verdict("m@x.com").reason);
  EXPECT_EQ("crm_opted_out", a.verdict("c@x.com").reason);
  EXPECT_EQ(2, a.verdict("c@x.com").source_rank);
  EXPECT_TRUE(a.verdict("ok@x.com").allowed());
  ASSERT_EQ(1u, crm.asked.size());
  EXPECT_EQ((std::vector<std::string>{"c@x.com", "ok@x.com"}), crm.asked[0]);
  EXPECT_EQ(1u, metrics.counter("sendguard_checks_total", {{"outcome", "crm_opted_out"}}));
}

TEST_F(ThreeSourceTest, ASourceTheTeamHasNotTurnedOnIsNeverAsked) {
  crm.unsubscribed = {"c@x.com"};
  auto a = gate.check("tm", policy(true), {"c@x.com"});
  EXPECT_TRUE(crm.asked.empty());
  EXPECT_TRUE(a.verdict("c@x.com").allowed());
}

TEST_F(ThreeSourceTest, AnAddressOneSourceCouldNotVerifyIsStillRefusedByAnother) {
  marketo.failing = true;
  crm.unsubscribed = {"c@x.com"};
  auto a = gate.check("tm", both_on(), {"c@x.com", "ok@x.com"});
  EXPECT_EQ("crm_opted_out", a.verdict("c@x.com").reason);
  EXPECT_EQ(Finding::Unverified, a.verdict("ok@x.com").finding);
  EXPECT_EQ("marketo", a.unavailable_source);

  // With policy "send", a refused address is not also reported as let through unverified.
  auto sent = gate.check("tm", both_on(FailPolicy::Send), {"c@x.com", "ok@x.com"});
  EXPECT_EQ("crm_opted_out", sent.verdict("c@x.com").reason);
  EXPECT_EQ((std::vector<std::string>{"ok@x.com"}), sent.unverified_allowed);
}

TEST_F(ThreeSourceTest, TheTeamsOwnListFailingIsAnErrorNotAnUnverifiedSend) {
  local.failing = true;
  EXPECT_THROW(gate.check("tm", both_on(FailPolicy::Send), {"a@x.com"}), std::runtime_error);
}

TEST(Gate, RefusesSourcesWithoutANameOrWithTheSameName) {
  FakeSource a, b;
  FakeClock clock;
  Metrics metrics;
  auto build = [&](std::vector<CheckedSource> sources) { UnsubscribeGate(std::move(sources), clock, metrics, {}); };
  EXPECT_THROW(build({test::checked(a, "", "x_unsubscribed")}), std::invalid_argument);
  EXPECT_THROW(build({test::checked(a, "crm", "")}), std::invalid_argument);
  EXPECT_THROW(build({test::checked(a, "crm", "crm_opted_out"), test::checked(b, "crm", "crm_opted_out")}),
               std::invalid_argument);
  EXPECT_NO_THROW(build({test::checked_local(a), test::checked(b, "crm", "crm_opted_out")}));
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
