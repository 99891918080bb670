// The campaign store on both engines: campaigns with their steps, enrollments,
// the due query, updates, double-enrollment lookups and stopping by address.
#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/engine_store.h"

namespace sg::store {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

class CampaignsTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (!db.available()) GTEST_SKIP() << sg::test::EngineStore::kUnavailable;
    store = db.open();
    team = store->teams().create("Acme", now);
    other_team = store->teams().create("Globex", now);
    store->users().create({"us_1", team.id, "ann@acme.com", Role::Admin, std::nullopt}, now);
    store->users().create({"us_2", other_team.id, "gus@globex.com", Role::Admin, std::nullopt}, now);
  }

  CampaignStore& campaigns() { return store->campaigns(); }

  Campaign campaign(const std::string& id, const Team& owner, TimePoint created) {
    std::string user = owner.id == team.id ? "us_1" : "us_2";
    return {id, owner.id, user, user == "us_1" ? "ann@acme.com" : "gus@globex.com", "Campaign " + id,
            {{3600, "Hi {{first}}", "Text one", "<p>One</p>"}, {0, "Again", "Text two", ""},
             {86400, "Last {{first}}", "", "<p>Three &amp; out</p>"}},
            created};
  }
  Enrollment enrollment(const std::string& id, const Campaign& c, const std::string& email,
                        std::optional<TimePoint> due, EnrollmentState state = EnrollmentState::Active) {
    return {id, c.id, c.team_id, email, "{\"first\":\"Ann\"}", state, "", 0, due, now, c.user_id};
  }
  std::vector<std::string> ids(const std::vector<Enrollment>& list) {
    std::vector<std::string> out;
    for (const auto& e : list) out.push_back(e.id);
    return out;
  }

  sg::test::EngineStore db{GetParam()};
  std::unique_ptr<Store> store;
  TimePoint now = from_unix_millis(1'800'000'000'123);
  Team team, other_team;
};

SG_INSTANTIATE_ON_BOTH_ENGINES(CampaignsTest);

void expect_same_steps(const std::vector<CampaignStep>& want, const std::vector<CampaignStep>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].delay_seconds, got[i].delay_seconds) << i;
    EXPECT_EQ(want[i].subject, got[i].subject) << i;
    EXPECT_EQ(want[i].text, got[i].text) << i;
    EXPECT_EQ(want[i].html, got[i].html) << i;
  }
}

TEST_P(CampaignsTest, CampaignRoundTripsWithItsStepsInOrder) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto got = campaigns().find(team.id, "cp_1");
  ASSERT_TRUE(got);
  EXPECT_EQ("cp_1", got->id);
  EXPECT_EQ(team.id, got->team_id);
  EXPECT_EQ("us_1", got->user_id);
  EXPECT_EQ("ann@acme.com", got->from_email);
  EXPECT_EQ("Campaign cp_1", got->name);
  EXPECT_EQ(now, got->created_at);  // millisecond precision survives
  expect_same_steps(c.steps, got->steps);
}

TEST_P(CampaignsTest, FindIsScopedToTheTeam) {
  campaigns().create(campaign("cp_1", team, now));
  EXPECT_FALSE(campaigns().find(other_team.id, "cp_1"));
  EXPECT_FALSE(campaigns().find(team.id, "cp_missing"));
}

TEST_P(CampaignsTest, ListIsPerTeamNewestFirstWithSteps) {
  campaigns().create(campaign("cp_old", team, now));
  campaigns().create(campaign("cp_new", team, now + hours(1)));
  campaigns().create(campaign("cp_theirs", other_team, now + hours(2)));
  auto list = campaigns().list(team.id);
  ASSERT_EQ(2u, list.size());
  EXPECT_EQ("cp_new", list[0].id);
  EXPECT_EQ("cp_old", list[1].id);
  expect_same_steps(campaign("x", team, now).steps, list[0].steps);
  expect_same_steps(campaign("x", team, now).steps, list[1].steps);
  ASSERT_EQ(1u, campaigns().list(other_team.id).size());
  EXPECT_TRUE(campaigns().list("tm_nobody").empty());
}

TEST_P(CampaignsTest, ADuplicateCampaignIdIsRefusedAndTheOriginalKept) {
  campaigns().create(campaign("cp_1", team, now));
  auto clash = campaign("cp_1", team, now + hours(1));
  clash.steps.push_back({1, "extra", "", ""});
  EXPECT_THROW(campaigns().create(clash), StoreError);
  auto got = campaigns().find(team.id, "cp_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(3u, got->steps.size());
  EXPECT_EQ(now, got->created_at);
}

TEST_P(CampaignsTest, EnrollmentRoundTrips) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto e = enrollment("en_1", c, "Ann@X.com", now + hours(1));
  e.vars_json = "{\"first\":\"Ann\",\"city\":\"Zürich\"}";
  e.next_step = 2;
  campaigns().add_enrollment(e);
  auto got = campaigns().find_enrollment("en_1");
  ASSERT_TRUE(got);
  EXPECT_EQ("en_1", got->id);
  EXPECT_EQ("cp_1", got->campaign_id);
  EXPECT_EQ(team.id, got->team_id);
  EXPECT_EQ("Ann@X.com", got->email);  // as given
  EXPECT_EQ("{\"first\":\"Ann\",\"city\":\"Zürich\"}", got->vars_json);
  EXPECT_EQ(EnrollmentState::Active, got->state);
  EXPECT_EQ("", got->reason);
  EXPECT_EQ(2, got->next_step);
  EXPECT_EQ(std::optional<TimePoint>(now + hours(1)), got->next_due_at);
  EXPECT_EQ(now, got->created_at);
  EXPECT_EQ(std::optional<std::string>("us_1"), got->enrolled_by);
  EXPECT_FALSE(campaigns().find_enrollment("en_missing"));
}

TEST_P(CampaignsTest, EnrollmentWithoutDueTimeAndWithAReasonRoundTrips) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto e = enrollment("en_1", c, "ann@x.com", std::nullopt, EnrollmentState::Stopped);
  e.reason = "marketo_unsubscribed";
  campaigns().add_enrollment(e);
  auto got = campaigns().find_enrollment("en_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(EnrollmentState::Stopped, got->state);
  EXPECT_EQ("marketo_unsubscribed", got->reason);
  EXPECT_FALSE(got->next_due_at);
}

TEST_P(CampaignsTest, AnEnrollmentWithoutEnrolledByReadsBackWithout) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto e = enrollment("en_1", c, "ann@x.com", now);
  e.enrolled_by.reset();
  campaigns().add_enrollment(e);
  EXPECT_FALSE(campaigns().find_enrollment("en_1")->enrolled_by);
}

TEST_P(CampaignsTest, AnEnrollmentNeedsAnExistingCampaign) {
  Campaign ghost{"cp_ghost", team.id, "us_1", "ann@acme.com", "Ghost", {}, now};
  EXPECT_THROW(campaigns().add_enrollment(enrollment("en_1", ghost, "a@x.com", now)), StoreError);
  EXPECT_FALSE(campaigns().find_enrollment("en_1"));
}

TEST_P(CampaignsTest, EnrollmentsListsOneCampaignInCreationOrder) {
  auto c1 = campaign("cp_1", team, now);
  auto c2 = campaign("cp_2", team, now);
  campaigns().create(c1);
  campaigns().create(c2);
  auto late = enrollment("en_a", c1, "late@x.com", now);
  late.created_at = now + hours(1);
  campaigns().add_enrollment(late);
  campaigns().add_enrollment(enrollment("en_b", c1, "early@x.com", now));
  campaigns().add_enrollment(enrollment("en_c", c2, "other@x.com", now));
  EXPECT_EQ((std::vector<std::string>{"en_b", "en_a"}), ids(campaigns().enrollments("cp_1")));
  EXPECT_EQ((std::vector<std::string>{"en_c"}), ids(campaigns().enrollments("cp_2")));
  EXPECT_TRUE(campaigns().enrollments("cp_none").empty());
}

TEST_P(CampaignsTest, DueIsActiveEnrollmentsDueByNowOldestFirstUpToTheLimit) {
  auto c = campaign("cp_1", team, now);
  auto theirs = campaign("cp_2", other_team, now);
  campaigns().create(c);
  campaigns().create(theirs);
  campaigns().add_enrollment(enrollment("en_now", c, "a@x.com", now));  // due exactly now
  campaigns().add_enrollment(enrollment("en_2h", c, "b@x.com", now - hours(2)));
  campaigns().add_enrollment(enrollment("en_1h", theirs, "c@x.com", now - hours(1)));  // any team
  campaigns().add_enrollment(enrollment("en_later", c, "d@x.com", now + milliseconds(1)));
  campaigns().add_enrollment(enrollment("en_in_flight", c, "e@x.com", std::nullopt));
  campaigns().add_enrollment(enrollment("en_stopped", c, "f@x.com", now - hours(3), EnrollmentState::Stopped));
  campaigns().add_enrollment(enrollment("en_finished", c, "g@x.com", now - hours(3), EnrollmentState::Finished));

  EXPECT_EQ((std::vector<std::string>{"en_2h", "en_1h", "en_now"}), ids(campaigns().due(now, 10)));
  EXPECT_EQ((std::vector<std::string>{"en_2h", "en_1h"}), ids(campaigns().due(now, 2)));
  EXPECT_TRUE(campaigns().due(now - hours(3), 10).empty());
  EXPECT_EQ(4u, campaigns().due(now + hours(1), 10).size());
}

TEST_P(CampaignsTest, FinishingAStepWritesStateReasonStepAndDueTime) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto e = enrollment("en_1", c, "ann@x.com", now);
  campaigns().add_enrollment(e);
  e.next_due_at.reset();
  ASSERT_TRUE(campaigns().advance_due(e, now));

  e.next_step = 1;
  e.next_due_at = now + hours(24);
  EXPECT_TRUE(campaigns().finish_step(e, 0, now + hours(1)));
  auto got = campaigns().find_enrollment("en_1");
  ASSERT_TRUE(got);
  EXPECT_EQ(1, got->next_step);
  EXPECT_EQ(std::optional<TimePoint>(now + hours(24)), got->next_due_at);
  EXPECT_EQ(EnrollmentState::Active, got->state);
  EXPECT_EQ(now, got->created_at);  // not touched by updates
  // The same email reported again (by a second instance) moves nothing.
  EXPECT_FALSE(campaigns().finish_step(e, 0, now + hours(1)));

  e.next_due_at.reset();
  ASSERT_TRUE(campaigns().advance_due(e, now + hours(24)));
  e.state = EnrollmentState::Stopped;
  e.reason = "smtp_rejected: 550";
  EXPECT_TRUE(campaigns().finish_step(e, 1, now + hours(25)));
  got = campaigns().find_enrollment("en_1");
  EXPECT_EQ(EnrollmentState::Stopped, got->state);
  EXPECT_EQ("smtp_rejected: 550", got->reason);
  EXPECT_FALSE(got->next_due_at);
  EXPECT_TRUE(campaigns().due(now + hours(48), 10).empty());
  // A stopped enrollment takes no more outcomes.
  e.state = EnrollmentState::Finished;
  e.reason = "";
  EXPECT_FALSE(campaigns().finish_step(e, 1, now + hours(26)));
  EXPECT_EQ(EnrollmentState::Stopped, campaigns().find_enrollment("en_1")->state);
}

TEST_P(CampaignsTest, FinishingAStepOfAnUnknownEnrollmentChangesNothing) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  campaigns().add_enrollment(enrollment("en_1", c, "ann@x.com", now));
  auto ghost = enrollment("en_ghost", c, "ann@x.com", std::nullopt, EnrollmentState::Stopped);
  EXPECT_FALSE(campaigns().finish_step(ghost, 0, now));
  EXPECT_FALSE(campaigns().find_enrollment("en_ghost"));
  EXPECT_EQ(EnrollmentState::Active, campaigns().find_enrollment("en_1")->state);
}

TEST_P(CampaignsTest, AStepDueIsAdvancedOnceAndNotAfterAStop) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  auto e = enrollment("en_1", c, "ann@x.com", now);
  campaigns().add_enrollment(e);
  campaigns().add_enrollment(enrollment("en_2", c, "bob@x.com", now));

  // Two schedulers took the same due enrollment: the first moves it on, the second finds it moved.
  e.next_due_at.reset();
  EXPECT_TRUE(campaigns().advance_due(e, now));
  EXPECT_FALSE(campaigns().advance_due(e, now));
  EXPECT_FALSE(campaigns().find_enrollment("en_1")->next_due_at);

  EXPECT_EQ(1, campaigns().stop_for_address(team.id, "bob@x.com", "unsubscribed", now));
  auto stopped = enrollment("en_2", c, "bob@x.com", std::nullopt);
  EXPECT_FALSE(campaigns().advance_due(stopped, now));
  EXPECT_EQ(EnrollmentState::Stopped, campaigns().find_enrollment("en_2")->state);
}

TEST_P(CampaignsTest, ASchedulerHoldingAStaleReadCannotSendAStepAgain) {
  auto c = campaign("cp_1", team, now);
  campaigns().create(c);
  campaigns().add_enrollment(enrollment("en_1", c, "ann@x.com", now));
  // Given a slow scheduler read step 0 as due,
  auto stale = campaigns().due(now, 10).at(0);
  // while a faster one sent step 0 and step 1 fell due,
  auto fast = stale;
  fast.next_due_at.reset();
  ASSERT_TRUE(campaigns().advance_due(fast, now));
  fast.next_step = 1;
  fast.next_due_at = now;
  ASSERT_TRUE(campaigns().finish_step(fast, 0, now));
  // then the slow one cannot take step 0 again.
  stale.next_due_at.reset();
  EXPECT_FALSE(campaigns().advance_due(stale, now));
  auto got = campaigns().find_enrollment("en_1");
  EXPECT_EQ(1, got->next_step);
  EXPECT_EQ(std::optional<TimePoint>(now), got->next_due_at);
}

TEST_P(CampaignsTest, ActiveAmongFindsActiveEnrollmentsOfThatCampaignByKey) {
  auto c1 = campaign("cp_1", team, now);
  auto c2 = campaign("cp_2", team, now);
  campaigns().create(c1);
  campaigns().create(c2);
  campaigns().add_enrollment(enrollment("en_ann", c1, "Ann@X.com", now));  // mixed case as given
  campaigns().add_enrollment(enrollment("en_bob", c1, "bob@x.com", now, EnrollmentState::Stopped));
  campaigns().add_enrollment(enrollment("en_cat", c1, "cat@x.com", now, EnrollmentState::Finished));
  campaigns().add_enrollment(enrollment("en_dan", c2, "dan@x.com", now));
  campaigns().add_enrollment(enrollment("en_eve", c1, "eve@x.com", std::nullopt));  // in flight: still active

  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "eve@x.com"}),
            campaigns().active_among("cp_1", {"ann@x.com", "bob@x.com", "cat@x.com", "dan@x.com",
                                              "eve@x.com", "zed@x.com"}));
  EXPECT_EQ((std::vector<std::string>{"dan@x.com"}), campaigns().active_among("cp_2", {"ann@x.com", "dan@x.com"}));
  EXPECT_TRUE(campaigns().active_among("cp_1", {}).empty());
}

TEST_P(CampaignsTest, StopForAddressStopsTheTeamsActiveEnrollmentsForThatAddressOnly) {
  auto c1 = campaign("cp_1", team, now);
  auto c2 = campaign("cp_2", team, now);
  auto theirs = campaign("cp_3", other_team, now);
  campaigns().create(c1);
  campaigns().create(c2);
  campaigns().create(theirs);
  campaigns().add_enrollment(enrollment("en_1", c1, "Ann@X.com", now + hours(1)));
  campaigns().add_enrollment(enrollment("en_2", c2, "ANN@x.COM", std::nullopt));  // in flight
  campaigns().add_enrollment(enrollment("en_done", c2, "ann@x.com", std::nullopt, EnrollmentState::Finished));
  campaigns().add_enrollment(enrollment("en_bob", c1, "bob@x.com", now + hours(1)));
  campaigns().add_enrollment(enrollment("en_other_team", theirs, "ann@x.com", now + minutes(90)));

  EXPECT_EQ(2, campaigns().stop_for_address(team.id, "ann@x.com", "suppressed", now));

  for (const char* id : {"en_1", "en_2"}) {
    auto e = campaigns().find_enrollment(id);
    ASSERT_TRUE(e) << id;
    EXPECT_EQ(EnrollmentState::Stopped, e->state) << id;
    EXPECT_EQ("suppressed", e->reason) << id;
    EXPECT_FALSE(e->next_due_at) << id;
  }
  EXPECT_EQ(EnrollmentState::Finished, campaigns().find_enrollment("en_done")->state);
  EXPECT_EQ("", campaigns().find_enrollment("en_done")->reason);
  EXPECT_EQ(EnrollmentState::Active, campaigns().find_enrollment("en_bob")->state);
  EXPECT_EQ(EnrollmentState::Active, campaigns().find_enrollment("en_other_team")->state);
  EXPECT_EQ((std::vector<std::string>{"en_bob", "en_other_team"}), ids(campaigns().due(now + hours(2), 10)));

  EXPECT_EQ(0, campaigns().stop_for_address(team.id, "ann@x.com", "suppressed", now));  // nothing left
  EXPECT_EQ(0, campaigns().stop_for_address(team.id, "nobody@x.com", "suppressed", now));
}

TEST_P(CampaignsTest, EnrollmentStateNamesRoundTrip) {
  for (auto s : {EnrollmentState::Active, EnrollmentState::Finished, EnrollmentState::Stopped})
    EXPECT_EQ(s, parse_enrollment_state(to_string(s)));
  EXPECT_EQ("active", to_string(EnrollmentState::Active));
  EXPECT_EQ("finished", to_string(EnrollmentState::Finished));
  EXPECT_EQ("stopped", to_string(EnrollmentState::Stopped));
  EXPECT_FALSE(parse_enrollment_state("paused"));
  EXPECT_FALSE(parse_enrollment_state("Active"));
}

}  // namespace
}  // namespace sg::store
