// DashboardService over a real in-memory SQLite store and a fake clock: emails recorded
// on given days with given statuses, workflows and reasons, and the counts the dashboard
// shows for a window — its first and last day, days without emails, other teams.
#include "stats/dashboard_service.h"

#include <gtest/gtest.h>

#include "crypto/secret_key.h"
#include "fakes/fake_clock.h"
#include "store/open_store.h"

namespace sg::stats {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;

// The fake clock's "now": 2026-01-15T12:00:00Z.
const TimePoint kNow = sg::test::FakeClock().now();
const TimePoint kToday = std::chrono::floor<days>(kNow);

// One email as the table gives it: when it was recorded, for which team.
struct Row {
  TimePoint at;
  EmailStatus status;
  Workflow workflow;
  std::string reason;
  bool other_team = false;
};

struct Case {
  std::string name;
  int days;
  std::vector<Row> rows;
  std::vector<DayCounts> expected_days;
  std::vector<WorkflowCount> expected_by_workflow;
  std::vector<ReasonCount> expected_by_reason;
};

// Test names and failures show a case by its name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr auto kBlocked = EmailStatus::Blocked;
constexpr auto kFailed = EmailStatus::Failed;
constexpr auto kSuppressed = EmailStatus::Suppressed;

const std::vector<Case> kCases = {
    {"NoEmailsGiveOneZeroRowPerDay", 3, {},
     {{"2026-01-13", 0, 0, 0}, {"2026-01-14", 0, 0, 0}, {"2026-01-15", 0, 0, 0}}, {}, {}},
    {"OneDayWindowIsToday", 1,
     {{kToday, kBlocked, Workflow::Individual, "recipient_unsubscribed"}},
     {{"2026-01-15", 1, 0, 0}},
     {{"individual", "blocked", 1}},
     {{"recipient_unsubscribed", 1}}},
    {"FirstDayStartsAtMidnightUtcAndTheMillisecondBeforeIsOut", 2,
     {{kToday - days(1), kFailed, Workflow::SelectAndSend, "marketo_unsubscribed"},
      {kToday - days(1) - milliseconds(1), kFailed, Workflow::SelectAndSend, "marketo_unsubscribed"}},
     {{"2026-01-14", 0, 1, 0}, {"2026-01-15", 0, 0, 0}},
     {{"select_and_send", "failed", 1}},
     {{"marketo_unsubscribed", 1}}},
    {"AnEmailOfThisVeryMomentCounts", 2,
     {{kNow, kSuppressed, Workflow::Group, "marketo_unsubscribed"}},
     {{"2026-01-14", 0, 0, 0}, {"2026-01-15", 0, 0, 1}},
     {{"group", "suppressed", 1}},
     {{"marketo_unsubscribed", 1}}},
    {"CountsGroupByDayStatusWorkflowAndReasonCode", 3,
     {{kToday - days(2) + hours(9), kBlocked, Workflow::Plugin, "recipient_unsubscribed"},
      {kToday - days(2) + hours(10), kBlocked, Workflow::Plugin, "recipient_unsubscribed"},
      {kToday - days(2) + hours(11), kFailed, Workflow::Campaign, "smtp_rejected: 550 no such user"},
      {kToday + hours(1), kFailed, Workflow::Campaign, "smtp_rejected: 554 refused"},
      {kToday + hours(2), kSuppressed, Workflow::Group, "suppressed"}},
     {{"2026-01-13", 2, 1, 0}, {"2026-01-14", 0, 0, 0}, {"2026-01-15", 0, 1, 1}},
     {{"campaign", "failed", 2}, {"group", "suppressed", 1}, {"plugin", "blocked", 2}},
     {{"recipient_unsubscribed", 2}, {"smtp_rejected", 2}, {"suppressed", 1}}},
    {"OtherTeamsAndDeliveredOrPendingEmailsAreNotCounted", 2,
     {{kToday, kBlocked, Workflow::Individual, "recipient_unsubscribed", true},
      {kToday, EmailStatus::Sent, Workflow::Individual, ""},
      {kToday, EmailStatus::Queued, Workflow::Individual, ""},
      {kToday, EmailStatus::Held, Workflow::Group, ""},
      {kToday, kFailed, Workflow::Individual, "smtp_rejected"}},
     {{"2026-01-14", 0, 0, 0}, {"2026-01-15", 0, 1, 0}},
     {{"individual", "failed", 1}},
     {{"smtp_rejected", 1}}},
};

class DashboardServiceTest : public ::testing::Test {
 protected:
  DashboardServiceTest() {
    admin = add_team("Acme", "us_1", "ann@acme.com");
    other = add_team("Globex", "us_2", "gus@globex.com");
  }

  Caller add_team(const std::string& name, const std::string& user_id, const std::string& email) {
    auto team = store->teams().create(name, clock.now());
    store->users().create({user_id, team.id, email, Role::Admin, std::nullopt}, clock.now());
    return {user_id, team.id, email, true};
  }

  void record(const Row& row) {
    const Caller& owner = row.other_team ? other : admin;
    store::EmailRecord e;
    e.id = "em_" + std::to_string(++emails);
    e.team_id = owner.team_id;
    e.user_id = owner.user_id;
    e.workflow = row.workflow;
    e.from = owner.email;
    e.to = {"bob@example.com"};
    e.subject = "Hi";
    e.status = row.status;
    e.reason = row.reason;
    e.message_id = "<" + e.id + "@test>";
    e.created_at = e.next_attempt_at = row.at;
    store->emails().insert(e);
  }

  static std::unique_ptr<store::Store> open_store() {
    crypto::init();
    return store::open_sqlite_store(":memory:", 0, crypto::SecretKey::from_bytes({}));
  }

  sg::test::FakeClock clock;
  std::unique_ptr<store::Store> store = open_store();  // before the service that borrows it
  DashboardService service{store->emails(), clock};
  Caller admin, other;
  int emails = 0;
};

class DashboardWindow : public DashboardServiceTest, public ::testing::WithParamInterface<Case> {};

TEST_P(DashboardWindow, CountsTheTeamsBlockedFailedAndSuppressedEmails) {
  const Case& c = GetParam();
  for (const Row& row : c.rows) record(row);

  auto dashboard = service.blocked(admin, c.days);

  ASSERT_TRUE(dashboard) << dashboard.error().message;
  EXPECT_EQ(c.expected_days, dashboard->days);
  EXPECT_EQ(c.expected_by_workflow, dashboard->by_workflow);
  EXPECT_EQ(c.expected_by_reason, dashboard->by_reason);
}

INSTANTIATE_TEST_SUITE_P(Table, DashboardWindow, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

TEST_F(DashboardServiceTest, NoDaysMeansTheLastThirtyToday) {
  record({kToday - days(29), kBlocked, Workflow::Individual, "recipient_unsubscribed"});
  record({kToday - days(30), kBlocked, Workflow::Individual, "recipient_unsubscribed"});

  auto dashboard = service.blocked(admin, std::nullopt);

  ASSERT_TRUE(dashboard) << dashboard.error().message;
  ASSERT_EQ(30u, dashboard->days.size());
  EXPECT_EQ((DayCounts{"2025-12-17", 1, 0, 0}), dashboard->days.front());
  EXPECT_EQ((DayCounts{"2026-01-15", 0, 0, 0}), dashboard->days.back());
  EXPECT_EQ((std::vector<ReasonCount>{{"recipient_unsubscribed", 1}}), dashboard->by_reason);
}

TEST_F(DashboardServiceTest, OnlyAnAdminMaySeeIt) {
  Caller user = admin;
  user.admin = false;

  auto refused = service.blocked(user, 30);

  ASSERT_FALSE(refused);
  EXPECT_EQ("forbidden", refused.error().code);
  EXPECT_EQ("only a team admin may see the dashboard", refused.error().message);
  EXPECT_EQ(refused.error().message, service.may_see(user).error().message);
  EXPECT_TRUE(service.may_see(admin));
}

TEST_F(DashboardServiceTest, DaysOutsideOneToAYearAreInvalid) {
  for (int days : {0, -1, 367}) {
    auto refused = service.blocked(admin, days);
    ASSERT_FALSE(refused) << days;
    EXPECT_EQ("invalid_request", refused.error().code);
    EXPECT_EQ("days", refused.error().field);
    EXPECT_EQ("days must be a whole number from 1 to 366", refused.error().message);
  }
  EXPECT_TRUE(service.blocked(admin, 366));
}

}  // namespace
}  // namespace sg::stats
