#include "marketo/daily_budget.h"

#include <gtest/gtest.h>

#include "client_harness.h"
#include "marketo/memory_budget_ledger.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const std::vector<std::string> kAnn{"ann@x.com"};
const TimePoint kWinterMorning = from_unix_millis(1768478400000);    // 2026-01-15T12:00Z, 06:00 CST
const TimePoint kCentralMidnight = from_unix_millis(1768543200000);  // 2026-01-16T06:00Z

TEST(DailyBudget, BudgetRefusesCallsOnceTheDaysAreSpent) {
  // Given a budget of 3, then the fourth call of the day is refused without reaching Marketo.
  Limits limits;
  limits.daily_budget = 3;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.lookup(kAnn).ok()) << i;
  Result<Keys> refused = h.lookup(kAnn);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ("marketo_budget_exhausted", refused.error().code);
  EXPECT_NE(std::string::npos, refused.error().message.find("2026-01-16T06:00:00Z"));
  EXPECT_EQ(18 * 3600, refused.error().retry_after_seconds);
  EXPECT_EQ(3u, h.http.requests_to(kLeadsPath).size());
  EXPECT_EQ(3u, h.calls("lookup", "success"));
}

TEST(DailyBudget, BudgetRefusesEveryKindOfRestCallButNotTokens) {
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ("marketo_budget_exhausted", h.client.unsubscribe(credentials(), kAnn, "r").error().code);
  EXPECT_EQ("marketo_budget_exhausted", h.client.paging_token(credentials(), h.clock.now()).error().code);
  EXPECT_EQ("marketo_budget_exhausted", h.client.activity_types(credentials()).error().code);
  EXPECT_EQ("marketo_budget_exhausted", h.client.activities(credentials(), "T", {9}).error().code);
  EXPECT_EQ("marketo_budget_exhausted", h.client.leads_by_id(credentials(), {1}).error().code);
  EXPECT_EQ("marketo_rest_unreachable", h.client.verify(credentials()).error().code)
      << "verifying reads through REST, within the budget";
  EXPECT_EQ(1u, h.http.requests_to("/rest/").size());
}

TEST(DailyBudget, BudgetResetsAtMidnightUsCentral) {
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  h.clock.set(kCentralMidnight - Millis{1});
  EXPECT_EQ("marketo_budget_exhausted", h.lookup(kAnn).error().code) << "06:00 UTC is midnight in Chicago";
  h.clock.set(kCentralMidnight);
  EXPECT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ("marketo_budget_exhausted", h.lookup(kAnn).error().code) << "the new day has its own budget";
}

TEST(DailyBudget, BudgetDayEndsAtFiveUtcInSummer) {
  // Given 2026-07-01T12:00Z (CDT, UTC-5), then the day ends at 2026-07-02T05:00Z.
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.clock.set(from_unix_millis(1782907200000));
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  EXPECT_EQ(from_unix_millis(1782968400000), h.client.usage(credentials()).day_ends);
  h.clock.set(from_unix_millis(1782968400000));
  EXPECT_TRUE(h.lookup(kAnn).ok());
}

TEST(DailyBudget, BudgetCountsEveryAttemptRetriesIncluded) {
  // Given a budget of 2 and Marketo timing out, then the retries stop at the budget.
  Limits limits;
  limits.daily_budget = 2;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(error_json("604"))});
  Result<Keys> result = h.lookup(kAnn);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ("marketo_budget_exhausted", result.error().code);
  EXPECT_EQ(2u, h.http.requests_to(kLeadsPath).size());
  EXPECT_EQ(2, h.client.usage(credentials()).calls);
}

TEST(DailyBudget, BudgetIsKeptPerInstance) {
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  Credentials elsewhere = credentials();
  elsewhere.rest_endpoint = "https://999-XYZ-999.mktorest.com/rest";
  EXPECT_TRUE(h.lookup(kAnn, elsewhere).ok());
  EXPECT_EQ(1, h.client.usage(elsewhere).calls);
  Credentials respelled = credentials();
  respelled.rest_endpoint = "https://123-abc-456.MKTOREST.com/rest/";
  EXPECT_EQ(1, h.client.usage(respelled).calls) << "the host names the instance";
}

TEST(DailyBudget, BudgetIsKeptPerClientIdOnTheSameHost) {
  // Given one client id's budget spent, then another client id on the same host still calls.
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  ASSERT_EQ("marketo_budget_exhausted", h.lookup(kAnn).error().code);
  Credentials other = credentials();
  other.client_id = "client-2";
  EXPECT_TRUE(h.lookup(kAnn, other).ok());
  EXPECT_EQ(1, h.client.usage(other).calls);
  EXPECT_EQ(1, h.client.usage(credentials()).calls);
}

TEST(DailyBudget, BudgetIsKeptApartForTokensFromAnotherIdentityHost) {
  // Given a client id's budget spent, then the same client id with tokens from another
  // identity server (anyone can run one; only the real one knows the secret) still calls,
  // and its calls never count against the real one's budget.
  Limits limits;
  limits.daily_budget = 1;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  Credentials impostor = credentials();
  impostor.identity_endpoint = "https://tokens.example.net/identity";
  EXPECT_TRUE(h.lookup(kAnn, impostor).ok());
  EXPECT_EQ(1, h.client.usage(impostor).calls);
  EXPECT_EQ(1, h.client.usage(credentials()).calls);
}

TEST(DailyBudget, ZeroBudgetIsUnlimited) {
  Limits limits;
  limits.daily_budget = 0;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(h.lookup(kAnn).ok()) << i;
  const Usage usage = h.client.usage(credentials());
  EXPECT_EQ(20, usage.calls);
  EXPECT_EQ(0, usage.budget);
}

TEST(DailyBudget, UsageCountsTodaysRestCallsByKind) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kPagingTokenPath, {ok(R"({"success":true,"nextPageToken":"T1"})")});
  h.http.script(kActivityTypesPath, {ok(success_json(""))});
  h.http.script(kActivitiesPath, {ok(error_json("606")), ok(activities_json("", "T2", false))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  ASSERT_TRUE(h.client.paging_token(credentials(), h.clock.now()).ok());
  ASSERT_TRUE(h.client.activity_types(credentials()).ok());
  ASSERT_TRUE(h.client.activities(credentials(), "T1", {9, 13}).ok());
  ASSERT_TRUE(h.client.leads_by_id(credentials(), {1}).ok());
  h.http.script(kLeadsPath, {ok(success_json(updated(1)))});
  ASSERT_TRUE(h.client.unsubscribe(credentials(), kAnn, "r").ok());

  const Usage usage = h.client.usage(credentials());
  const std::map<std::string, int64_t> expected{{"activity", 2}, {"activity_types", 1}, {"lead_by_id", 1},
                                                {"lookup", 1},   {"paging_token", 1},   {"update", 1}};
  EXPECT_EQ(expected, usage.calls_by_kind);
  EXPECT_EQ(7, usage.calls);
  EXPECT_EQ(10000, usage.budget);
  EXPECT_EQ(kCentralMidnight, usage.day_ends);
  EXPECT_EQ(1u, h.calls("activity", "606"));
  EXPECT_EQ(1u, h.calls("token", "success"));
}

TEST(DailyBudget, UsageStartsAfreshEachDay) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  ASSERT_TRUE(h.lookup(kAnn).ok());
  h.clock.set(kCentralMidnight);
  const Usage usage = h.client.usage(credentials());
  EXPECT_EQ(0, usage.calls);
  EXPECT_TRUE(usage.calls_by_kind.empty());
  EXPECT_EQ(kCentralMidnight + std::chrono::hours{24}, usage.day_ends);
}

TEST(DailyBudget, UsageOfAnUnknownEndpointIsZero) {
  ClientHarness h;
  for (const char* endpoint : {"https://never-called.mktorest.com/rest", "not a url"}) {
    Credentials unknown = credentials();
    unknown.rest_endpoint = endpoint;
    const Usage usage = h.client.usage(unknown);
    EXPECT_EQ(0, usage.calls) << endpoint;
    EXPECT_EQ(10000, usage.budget);
  }
}

TEST(DailyBudget, DailyBudgetMarksTheLastCallThenRefuses) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 2, 30, 0);
  EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::last, budget.try_spend("a", "update", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::refused, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(2, budget.usage("a", kWinterMorning).calls) << "a refused call is not counted";
  EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kCentralMidnight));
}

TEST(DailyBudget, BackgroundCallsStopAtTheirShareWhileLookupsGoOn) {
  // Given a budget of 10 with 30 % for the background, then the feed gets 3 calls and
  // lookups may spend the remaining 7.
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 10, 30, 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "activity", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::reserved, budget.try_spend("a", "activity", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::reserved, budget.try_spend("a", "update", kWinterMorning)) << "write-backs too";
  for (int i = 0; i < 6; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::last, budget.try_spend("a", "lookup", kWinterMorning));
  const Usage usage = budget.usage("a", kWinterMorning);
  EXPECT_EQ(10, usage.calls);
  EXPECT_EQ(3, usage.background_calls) << "a reserved call is not counted";
  EXPECT_EQ(3, usage.background_budget);
  EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "activity", kCentralMidnight)) << "a new day";
}

TEST(DailyBudget, LookupsSpendingTheBudgetLeaveNothingForTheBackground) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 3, 30, 0);
  for (int i = 0; i < 3; ++i) ASSERT_NE(DailyBudget::Spend::refused, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::refused, budget.try_spend("a", "activity", kWinterMorning));
}

TEST(DailyBudget, ATinyBudgetStillLetsOneBackgroundCallThrough) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 2, 30, 0);
  EXPECT_EQ(1, budget.usage("a", kWinterMorning).background_budget) << "30 % of 2 rounds down to 0, then up to 1";
  EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "paging_token", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::reserved, budget.try_spend("a", "activity", kWinterMorning));
}

TEST(DailyBudget, AnUnlimitedBudgetHasNoBackgroundCeiling) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 0, 30, 0);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "activity", kWinterMorning));
  EXPECT_EQ(0, budget.usage("a", kWinterMorning).background_budget);
}

TEST(DailyBudget, OtherIntegrationsCallsReduceTheBudget) {
  // Given a budget of 100 and a quota of 100 of which other integrations used 70, then
  // today's budget is 30 (9 background): Sendguard yields the quota.
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 100, 30, 100);
  ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  budget.note_instance_total("a", 71, kWinterMorning);  // Marketo's total counts our call too
  Usage usage = budget.usage("a", kWinterMorning);
  EXPECT_EQ(70, usage.other_calls);
  EXPECT_EQ(30, usage.budget);
  EXPECT_EQ(9, usage.background_budget);
  EXPECT_FALSE(usage.near_quota) << "71 of 100";
  for (int i = 1; i < 29; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::last, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::refused, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_TRUE(budget.usage("a", kWinterMorning).near_quota);
  EXPECT_EQ(100, budget.usage("a", kCentralMidnight).budget) << "the quota resets at midnight";
}

TEST(DailyBudget, OtherIntegrationsLeavingMoreThanTheBudgetLeaveTheBudgetWhole) {
  // Given a budget of 10,000 and a quota of 50,000 of which others used 12,000, then
  // 38,000 are left in the quota: the whole budget still fits.
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 10000, 30, 50000);
  budget.note_instance_total("a", 12000, kWinterMorning);
  EXPECT_EQ(10000, budget.usage("a", kWinterMorning).budget);
  budget.note_instance_total("a", 45000, kWinterMorning);
  EXPECT_EQ(5000, budget.usage("a", kWinterMorning).budget) << "only 5,000 left in the quota";
}

TEST(DailyBudget, AQuotaSpentByOthersStillLeavesNoUnlimitedBudget) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 0, 30, 1000);
  budget.note_instance_total("a", 5000, kWinterMorning);
  EXPECT_EQ(1, budget.usage("a", kWinterMorning).budget);
}

TEST(DailyBudget, TheQuotaWarningIsDueOnceADayAtEightyPercent) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 0, 30, 10);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_FALSE(budget.quota_warning_due("a", kWinterMorning));
  EXPECT_EQ(0, budget.quota_warnings(kWinterMorning));
  ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kWinterMorning));
  EXPECT_TRUE(budget.quota_warning_due("a", kWinterMorning));
  EXPECT_FALSE(budget.quota_warning_due("a", kWinterMorning)) << "once";
  EXPECT_EQ(1, budget.quota_warnings(kWinterMorning));
  EXPECT_EQ(0, budget.quota_warnings(kCentralMidnight));
}

TEST(DailyBudget, AQuotaStopOutlivesTheDayAndOnlyExtends) {
  // Given a stop until an hour past midnight (a 607 close to the reset), then the new day
  // does not lift it, an earlier end does not shorten it, and it ends when it says.
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 0, 30, 0);
  DailyBudget sharing(ledger, 0, 30, 0);
  const TimePoint until = kCentralMidnight + std::chrono::hours{1};
  EXPECT_EQ(std::nullopt, budget.stopped_until("a", kWinterMorning));
  budget.stop_until("a", until);
  budget.stop_until("a", kCentralMidnight);
  EXPECT_EQ(until, sharing.stopped_until("a", kWinterMorning)) << "one ledger, one stop";
  ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "lookup", kCentralMidnight)) << "a new day";
  EXPECT_EQ(until, budget.stopped_until("a", kCentralMidnight));
  EXPECT_EQ(std::nullopt, budget.stopped_until("b", kCentralMidnight)) << "per instance";
  EXPECT_EQ(std::nullopt, budget.stopped_until("a", until));
}

TEST(DailyBudget, UsageIsDueAtFirstThenHourly) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 0, 30, 0);
  EXPECT_TRUE(budget.usage_due("a", kWinterMorning));
  EXPECT_FALSE(budget.usage_due("a", kWinterMorning + std::chrono::minutes{59}));
  EXPECT_TRUE(budget.usage_due("b", kWinterMorning)) << "per instance";
  EXPECT_TRUE(budget.usage_due("a", kWinterMorning + std::chrono::hours{1}));
}

TEST(DailyBudget, UsageReadsAreNotBackgroundCalls) {
  MemoryBudgetLedger ledger;
  DailyBudget budget(ledger, 10, 30, 0);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "activity", kWinterMorning));
  EXPECT_EQ(DailyBudget::Spend::spent, budget.try_spend("a", "usage", kWinterMorning));
}

TEST(DailyBudget, TheFeedRefusedForTheReserveSaysSo) {
  // Given a budget of 4 (1 background call), when the feed wants a second call, then it is
  // refused before reaching Marketo, naming the reserve.
  Limits limits;
  limits.daily_budget = 4;
  ClientHarness h(limits);
  h.http.script(kLeadsPath, {ok(leads_json({}))});
  h.http.script(kActivityTypesPath, {ok(success_json(R"({"id":9,"name":"Unsubscribe Email"})"))});
  ASSERT_TRUE(h.client.activity_types(credentials()).ok());
  auto second = h.client.activity_types(credentials());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ("marketo_budget_exhausted", second.error().code);
  EXPECT_NE(std::string::npos, second.error().message.find("reserve kept for live lookups")) << second.error().message;
  EXPECT_EQ(1u, h.http.requests_to("/rest/").size());
  EXPECT_TRUE(h.lookup(kAnn).ok()) << "lookups go on";
}

}  // namespace
}  // namespace sg::marketo
