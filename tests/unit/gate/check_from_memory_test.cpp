// A person's check answered from memory: the copies of the team's own list and of the
// mirror, and the freshness cache, or no answer at all.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/copied_sources.h"
#include "gate/unsubscribe_gate.h"

namespace sg::gate {
namespace {

TeamPolicy policy(bool marketo_on, bool mirror_authoritative = false) {
  TeamPolicy p;
  p.sources["marketo"] = {marketo_on, mirror_authoritative};
  return p;
}

class CheckFromMemoryTest : public ::testing::Test {
 protected:
  std::vector<CheckedSource> sources() {
    CheckedSource list = test::checked_local(local);
    list.source = &copied_list;
    return {list, test::checked(marketo, "marketo", "marketo_unsubscribed", &copied_mirror)};
  }

  test::FakeSource local, marketo;
  test::FakeMirror mirror;
  test::FakeClock clock;
  Metrics metrics;
  CopiedSource copied_list{local, clock, kCopyTtl};
  CopiedMirror copied_mirror{mirror, clock, kCopyTtl};
  UnsubscribeGate gate{sources(), clock, metrics, GateOptions{Millis(60000)}};
};

TEST_F(CheckFromMemoryTest, NothingReadYetGivesNoAnswerAndCountsNothing) {
  EXPECT_FALSE(gate.check_from_memory("tm", policy(true), {"a@x.com"}));
  EXPECT_FALSE(gate.check_from_memory("tm", policy(false), {"a@x.com"}));
  EXPECT_TRUE(local.asked.empty());
  EXPECT_EQ(0, mirror.reads);
  EXPECT_EQ(0u, metrics.counter("sendguard_checks_total", {{"outcome", "allowed"}}));
}

TEST_F(CheckFromMemoryTest, WhatACheckReadIsAnsweredAgainWithoutAskingAnySource) {
  local.unsubscribed = {"listed@x.com"};
  marketo.unsubscribed = {"gone@x.com"};
  const std::vector<std::string> keys{"listed@x.com", "gone@x.com", "ok@x.com"};
  gate.check("tm", policy(true), keys);
  const size_t list_reads = local.asked.size(), marketo_reads = marketo.asked.size();
  const int mirror_reads = mirror.reads;

  auto a = gate.check_from_memory("tm", policy(true), keys);
  ASSERT_TRUE(a);
  EXPECT_EQ("suppressed", a->verdict("listed@x.com").reason);
  EXPECT_EQ("marketo_unsubscribed", a->verdict("gone@x.com").reason);
  EXPECT_TRUE(a->verdict("ok@x.com").allowed());
  EXPECT_EQ(list_reads, local.asked.size());
  EXPECT_EQ(marketo_reads, marketo.asked.size());
  EXPECT_EQ(mirror_reads, mirror.reads);
  EXPECT_EQ(2u, metrics.counter("sendguard_checks_total", {{"outcome", "allowed"}}));  // one per check
}

TEST_F(CheckFromMemoryTest, AMirroredUnsubscribeIsAnsweredFromTheMirrorsCopy) {
  mirror.known["gone@x.com"] = {true, false, clock.now(), clock.now()};
  gate.check("tm", policy(true), {"gone@x.com"});
  EXPECT_TRUE(marketo.asked.empty());  // the mirror answered: nothing in the freshness cache
  auto a = gate.check_from_memory("tm", policy(true), {"gone@x.com"});
  ASSERT_TRUE(a);
  EXPECT_EQ("marketo_unsubscribed", a->verdict("gone@x.com").reason);
}

TEST_F(CheckFromMemoryTest, AnAddressOneSourceHasNoCopyOfIsNotAnswered) {
  gate.check("tm", policy(false), {"a@x.com"});  // Marketo off: only the list was read
  ASSERT_TRUE(gate.check_from_memory("tm", policy(false), {"a@x.com"}));
  EXPECT_FALSE(gate.check_from_memory("tm", policy(true), {"a@x.com"}));
  EXPECT_FALSE(gate.check_from_memory("tm", policy(false), {"a@x.com", "b@x.com"}));
  EXPECT_FALSE(gate.check_from_memory("other", policy(false), {"a@x.com"}));
}

TEST_F(CheckFromMemoryTest, AWriteForTheTeamDropsItsCopiesOfWhatItChanged) {
  gate.check("tm", policy(false), {"a@x.com", "b@x.com"});
  gate.check("tm2", policy(false), {"a@x.com"});
  copied_list.forget("tm", {"a@x.com"});
  EXPECT_FALSE(gate.check_from_memory("tm", policy(false), {"a@x.com"}));
  EXPECT_TRUE(gate.check_from_memory("tm", policy(false), {"b@x.com"}));
  copied_list.forget("tm", {});
  EXPECT_FALSE(gate.check_from_memory("tm", policy(false), {"b@x.com"}));
  EXPECT_TRUE(gate.check_from_memory("tm2", policy(false), {"a@x.com"}));
}

TEST_F(CheckFromMemoryTest, CopiesAnswerForTheirTtlOnly) {
  gate.check("tm", policy(false), {"a@x.com"});
  clock.advance(kCopyTtl - Millis(1));
  EXPECT_TRUE(gate.check_from_memory("tm", policy(false), {"a@x.com"}));
  clock.advance(Millis(1));
  EXPECT_FALSE(gate.check_from_memory("tm", policy(false), {"a@x.com"}));
}

TEST_F(CheckFromMemoryTest, AMirrorCopyEndsWhenItsAnswerWouldNoLongerBeJudgedTheSame) {
  // Trusted "not unsubscribed" until 500 ms from now, well inside the copies' ttl.
  mirror.known["ok@x.com"] = {false, true, clock.now(), clock.now(), clock.now() + Millis(500)};
  gate.check("tm", policy(true, true), {"ok@x.com"});
  ASSERT_TRUE(marketo.asked.empty());
  clock.advance(Millis(499));
  EXPECT_TRUE(gate.check_from_memory("tm", policy(true, true), {"ok@x.com"}));
  clock.advance(Millis(1));
  EXPECT_FALSE(gate.check_from_memory("tm", policy(true, true), {"ok@x.com"}));
}

// A gate over the team's own list alone, whose answers may be reused for `max_age`.
struct ListOnlyGate {
  explicit ListOnlyGate(Millis max_age) : max_age(max_age) {}
  std::vector<CheckedSource> sources() {
    CheckedSource list = test::checked_local(local);
    list.source = &copied;
    return {list};
  }

  const Millis max_age;
  test::FakeSource local;
  test::FakeClock clock;
  Metrics metrics;
  CopiedSource copied{local, clock, copy_ttl(max_age)};
  UnsubscribeGate gate{sources(), clock, metrics, GateOptions{max_age}};
};

TEST(CheckFromMemory, CopiesLastNoLongerThanTheCheckMaxAge) {
  EXPECT_EQ(Millis(1000), copy_ttl(Millis(1000)));
  EXPECT_EQ(kCopyTtl, copy_ttl(Millis(60000)));
  ListOnlyGate g(Millis(1000));
  g.gate.check("tm", {}, {"a@x.com"});
  g.clock.advance(Millis(999));
  EXPECT_TRUE(g.gate.check_from_memory("tm", {}, {"a@x.com"}));
  g.clock.advance(Millis(1));
  EXPECT_FALSE(g.gate.check_from_memory("tm", {}, {"a@x.com"}));
}

TEST(CheckFromMemory, AGateThatReusesNoAnswerNeverAnswersFromMemory) {
  ListOnlyGate g(Millis(0));
  g.gate.check("tm", {}, {"a@x.com"});
  EXPECT_FALSE(g.gate.check_from_memory("tm", {}, {"a@x.com"}));
}

// One address's copy.
std::optional<bool> copy_of(const RecentCopies<bool>& copies, const std::string& team_id, const std::string& key) {
  auto values = copies.get_all(team_id, {key});
  return values ? std::optional<bool>(values->front()) : std::nullopt;
}

TEST(RecentCopies, AReadBegunBeforeAForgetOfItsTeamIsNotKept) {
  test::FakeClock clock;
  RecentCopies<bool> copies(clock, Millis(2000), 10);
  const uint64_t read_at = copies.generation("tm");
  copies.forget("other-team", {});
  copies.put("tm", "a@x.com", false, read_at);
  EXPECT_EQ(std::optional(false), copy_of(copies, "tm", "a@x.com"));  // another team's write

  const uint64_t read_again = copies.generation("tm");
  copies.forget("tm", {"other@x.com"});  // any forget of the team: the read may have met it
  copies.put("tm", "a@x.com", true, read_again);
  EXPECT_EQ(std::optional(false), copy_of(copies, "tm", "a@x.com"));
  copies.put("tm", "a@x.com", true, copies.generation("tm"));
  EXPECT_EQ(std::optional(true), copy_of(copies, "tm", "a@x.com"));
}

TEST(RecentCopies, WhenFullExpiredCopiesGoFirstThenEverything) {
  test::FakeClock clock;
  RecentCopies<bool> copies(clock, Millis(2000), 2);
  copies.put("tm", "old@x.com", false, 0);
  clock.advance(Millis(2000));
  copies.put("tm2", "a@x.com", false, 0);
  copies.put("tm", "b@x.com", false, 0);  // full: the expired one goes
  EXPECT_TRUE(copy_of(copies, "tm2", "a@x.com"));
  copies.put("tm", "c@x.com", false, 0);  // full of live copies: all go
  EXPECT_FALSE(copy_of(copies, "tm2", "a@x.com"));
  EXPECT_FALSE(copy_of(copies, "tm", "b@x.com"));
  EXPECT_TRUE(copy_of(copies, "tm", "c@x.com"));
  copies.forget("tm", {});  // the count follows what is dropped: two fit again
  copies.put("tm", "d@x.com", false, copies.generation("tm"));
  copies.put("tm2", "e@x.com", false, 0);
  EXPECT_TRUE(copy_of(copies, "tm", "d@x.com"));
  EXPECT_TRUE(copy_of(copies, "tm2", "e@x.com"));
}

TEST(RecentCopies, AnswersForAllTheAddressesOrNone) {
  test::FakeClock clock;
  RecentCopies<bool> copies(clock, Millis(2000), 10);
  copies.put("tm", "a@x.com", true, 0);
  copies.put("tm", "b@x.com", false, 0);
  EXPECT_EQ(std::optional(std::vector<bool>{false, true}), copies.get_all("tm", {"b@x.com", "a@x.com"}));
  EXPECT_EQ(std::nullopt, copies.get_all("tm", {"a@x.com", "c@x.com"}));
  EXPECT_EQ(std::nullopt, copies.get_all("tm2", {"a@x.com"}));
  EXPECT_EQ(std::optional(std::vector<bool>{}), copies.get_all("tm2", {}));
  clock.advance(Millis(2000));
  EXPECT_EQ(std::nullopt, copies.get_all("tm", {"a@x.com"}));
}

}  // namespace
}  // namespace sg::gate
