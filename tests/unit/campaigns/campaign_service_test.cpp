// CampaignService over a real SQLite store with fake Marketo/local sources and a fake
// clock: creating and enrolling (validation), turning due steps into outbox emails, and
// moving an enrollment on when a step's email ends.
#include "campaigns/campaign_service.h"

#include <algorithm>

#include "sending/sending_fixture.h"

namespace sg::campaigns::test {
namespace {

using std::chrono::seconds;

store::CampaignStep step(int64_t delay, std::string subject, std::string text = "", std::string html = "") {
  return {delay, std::move(subject), std::move(text), std::move(html)};
}

class CampaignServiceTest : public sending::test::SendingTest {
 protected:
  // Step 0 an hour after enrolling, step 1 a day after step 0 was sent.
  NewCampaign two_steps() {
    return {"Q1 outreach",
            {step(3600, "Hi {{first}}", "Step one for {{first}}", "<p>{{first}}</p>"),
             step(86400, "Following up, {{first}}", "About {{company}}", "")}};
  }
  static NewEnrollment person(std::string email, std::string first, std::string company = "Acme") {
    return {std::move(email), {{"first", std::move(first)}, {"company", std::move(company)}}};
  }
  store::Campaign created(const NewCampaign& in) {
    auto c = service.create(caller, in);
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c.value();
  }
  store::Enrollment enrolled(const std::string& campaign_id, NewEnrollment who) {
    auto e = service.enroll(caller, campaign_id, {std::move(who)});
    EXPECT_TRUE(e) << (e ? "" : e.error().message);
    return e.value().at(0);
  }
  store::Enrollment reload(const std::string& enrollment_id) {
    auto e = store->campaigns().find_enrollment(enrollment_id);
    EXPECT_TRUE(e) << enrollment_id;
    return e.value_or(store::Enrollment{});
  }
  // Campaign emails, oldest first.
  std::vector<store::EmailRecord> campaign_emails() {
    store::EmailFilter f;
    f.team_id = caller.team_id;
    f.workflow = Workflow::Campaign;
    f.limit = 1000;
    auto list = store->emails().list(f);
    std::reverse(list.begin(), list.end());
    return list;
  }
  // What the outbox reports when it delivered `email` at `when`.
  void finish_sent(store::EmailRecord email, TimePoint when) {
    email.status = EmailStatus::Sent;
    email.sent_at = when;
    service.email_finished(email);
  }
  std::vector<store::AuditEntry> audit_log() { return store->audit().recent(caller.team_id, 100); }
  size_t enrollment_count(const std::string& campaign_id) {
    return store->campaigns().enrollments(campaign_id).size();
  }

  CampaignService service{{store->campaigns(), store->emails(), store->settings(), store->audit(), *store},
                          gate, clock, metrics, sending::SendOptions{}};
};

// --- create ---

TEST_F(CampaignServiceTest, CreateStoresTheCampaignWithItsSteps) {
  TimePoint t0 = clock.now();
  auto c = created(two_steps());
  EXPECT_EQ(0u, c.id.rfind("cp_", 0));
  EXPECT_EQ(caller.team_id, c.team_id);
  EXPECT_EQ("us_1", c.user_id);
  EXPECT_EQ("ann@acme.com", c.from_email);
  EXPECT_EQ("Q1 outreach", c.name);
  EXPECT_EQ(t0, c.created_at);

  auto got = service.get(caller, c.id);
  ASSERT_TRUE(got);
  ASSERT_EQ(2u, got->steps.size());
  EXPECT_EQ(3600, got->steps[0].delay_seconds);
  EXPECT_EQ("Hi {{first}}", got->steps[0].subject);
  EXPECT_EQ("Step one for {{first}}", got->steps[0].text);
  EXPECT_EQ("<p>{{first}}</p>", got->steps[0].html);
  EXPECT_EQ(86400, got->steps[1].delay_seconds);
  EXPECT_EQ("About {{company}}", got->steps[1].text);
  ASSERT_EQ(1u, service.list(caller).size());
  EXPECT_EQ(c.id, service.list(caller)[0].id);
}

TEST_F(CampaignServiceTest, CreateRefusesAMissingOrOverlongName) {
  auto in = two_steps();
  in.name = "";
  EXPECT_EQ("name", service.create(caller, in).error().field);
  in.name = std::string(201, 'n');
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("name", r.error().field);
  in.name = std::string(200, 'n');
  EXPECT_TRUE(service.create(caller, in));
}

TEST_F(CampaignServiceTest, CreateRefusesNoStepsOrTooMany) {
  NewCampaign none{"Empty", {}};
  auto r = service.create(caller, none);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("steps", r.error().field);

  NewCampaign many{"Many", std::vector<store::CampaignStep>(CampaignService::kMaxSteps + 1, step(0, "Hi"))};
  EXPECT_EQ("steps", service.create(caller, many).error().field);
  EXPECT_TRUE(service.list(caller).empty());

  NewCampaign most{"Most", std::vector<store::CampaignStep>(CampaignService::kMaxSteps, step(0, "Hi"))};
  EXPECT_TRUE(service.create(caller, most));
}

TEST_F(CampaignServiceTest, CreateRefusesANegativeOrOverAYearDelayNamingTheStep) {
  auto in = two_steps();
  in.steps[1].delay_seconds = -1;
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("steps[1].delay_seconds", r.error().field);

  in.steps[1].delay_seconds = 365LL * 24 * 3600 + 1;
  EXPECT_EQ("steps[1].delay_seconds", service.create(caller, in).error().field);
  EXPECT_TRUE(service.list(caller).empty());

  in.steps[1].delay_seconds = 365LL * 24 * 3600;
  EXPECT_TRUE(service.create(caller, in));
  in.steps[0].delay_seconds = 0;
  EXPECT_TRUE(service.create(caller, in));
}

TEST_F(CampaignServiceTest, CreateRefusesAMalformedTemplateNamingStepAndPart) {
  auto in = two_steps();
  in.steps[1].text = "{{#company}}never closed";
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("steps[1].text", r.error().field);
  EXPECT_EQ(0u, r.error().message.rfind("steps[1]: text is not a valid template", 0)) << r.error().message;

  in = two_steps();
  in.steps[0].subject = "Hi {{first";
  EXPECT_EQ("steps[0].subject", service.create(caller, in).error().field);
  in = two_steps();
  in.steps[0].html = "{{/x}}";
  EXPECT_EQ("steps[0].html", service.create(caller, in).error().field);
  EXPECT_TRUE(service.list(caller).empty());
}

TEST_F(CampaignServiceTest, CreateRefusesALineBreakInASubject) {
  auto in = two_steps();
  in.steps[1].subject = "Hi\r\nBcc: victim@y.com";
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("steps[1].subject", r.error().field);
  EXPECT_TRUE(service.list(caller).empty());
}

TEST_F(CampaignServiceTest, CampaignsAreScopedToTheTeam) {
  auto c = created(two_steps());
  Caller stranger{"us_9", "tm_other", "x@globex.com", true};
  auto r = service.get(stranger, c.id);
  ASSERT_FALSE(r);
  EXPECT_EQ("not_found", r.error().code);
  EXPECT_TRUE(service.list(stranger).empty());
  EXPECT_EQ("not_found", service.enroll(stranger, c.id, {person("a@x.com", "A")}).error().code);
  EXPECT_EQ("not_found", service.enrollments(stranger, c.id).error().code);
}

// --- enroll ---

TEST_F(CampaignServiceTest, EnrollSchedulesTheFirstStepAfterItsDelay) {
  auto c = created(two_steps());
  TimePoint t0 = clock.now();
  auto r = service.enroll(caller, c.id, {person("Ann@X.com", "Ann"), person("bob@x.com", "Bob")});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(2u, r->size());
  const auto& ann = (*r)[0];
  EXPECT_EQ(0u, ann.id.rfind("en_", 0));
  EXPECT_EQ(c.id, ann.campaign_id);
  EXPECT_EQ(caller.team_id, ann.team_id);
  EXPECT_EQ("Ann@X.com", ann.email);  // as given
  EXPECT_EQ(store::EnrollmentState::Active, ann.state);
  EXPECT_EQ(0, ann.next_step);
  EXPECT_EQ(std::optional<TimePoint>(t0 + seconds(3600)), ann.next_due_at);
  EXPECT_EQ("", ann.reason);

  auto listed = service.enrollments(caller, c.id);
  ASSERT_TRUE(listed);
  ASSERT_EQ(2u, listed->size());
  auto stored = reload(ann.id);
  EXPECT_EQ("Ann@X.com", stored.email);
  EXPECT_EQ(ann.next_due_at, stored.next_due_at);
  EXPECT_TRUE(campaign_emails().empty());  // nothing is sent at enrollment
}

TEST_F(CampaignServiceTest, EnrollInAnUnknownCampaignIsNotFound) {
  auto r = service.enroll(caller, "cp_missing", {person("a@x.com", "A")});
  ASSERT_FALSE(r);
  EXPECT_EQ("not_found", r.error().code);
}

TEST_F(CampaignServiceTest, EnrollRefusesAnEmptyList) {
  auto c = created(two_steps());
  auto r = service.enroll(caller, c.id, {});
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients", r.error().field);
}

TEST_F(CampaignServiceTest, EnrollRefusesABadAddressNamingItsIndex) {
  auto c = created(two_steps());
  auto r = service.enroll(caller, c.id, {person("ann@x.com", "Ann"), person("not an address", "X")});
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[1].email", r.error().field);
  EXPECT_EQ(0u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, EnrollRefusesDuplicatesCaseInsensitively) {
  auto c = created(two_steps());
  auto r = service.enroll(caller, c.id, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob"), person("ANN@x.com", "Ann")});
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[2].email", r.error().field);
  EXPECT_EQ(0u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, EnrollRefusesVarsMissingForAnyStep) {
  auto c = created(two_steps());
  // Given vars that fill step 0 but not step 1 ({{company}}),
  NewEnrollment partial{"bob@x.com", {{"first", "Bob"}}};
  auto r = service.enroll(caller, c.id, {person("ann@x.com", "Ann"), partial});
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[1].vars", r.error().field);
  EXPECT_EQ("recipients[1] (bob@x.com) has no value for {{company}}", r.error().message);
  EXPECT_EQ(0u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, EnrollRefusesMoreThanTenThousandPeople) {
  auto c = created(two_steps());
  std::vector<NewEnrollment> many;
  for (size_t i = 0; i <= CampaignService::kMaxEnrollmentsPerRequest; ++i)
    many.push_back(person("p" + std::to_string(i) + "@x.com", "P"));
  auto r = service.enroll(caller, c.id, many);
  ASSERT_FALSE(r);
  EXPECT_EQ("recipients", r.error().field);
  EXPECT_EQ(0u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, EnrollRefusesALineBreakInjectedThroughAVarIntoASubject) {
  // Like a bulk send, a var that would break a step's subject header is refused up front,
  // not accepted and left to fail when the step falls due.
  auto c = created(two_steps());
  auto r = service.enroll(caller, c.id, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob\r\nBcc: victim@y.com")});
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[1].vars", r.error().field);
  EXPECT_EQ(0u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, EnrollingSomeoneAlreadyActiveIsAlreadyEnrolledAndEnrollsNobody) {
  auto c = created(two_steps());
  enrolled(c.id, person("Ann@X.com", "Ann"));
  auto r = service.enroll(caller, c.id, {person("bob@x.com", "Bob"), person("ann@x.com", "Ann")});
  ASSERT_FALSE(r);
  EXPECT_EQ("already_enrolled", r.error().code);
  EXPECT_EQ((std::vector<std::string>{"ann@x.com"}), r.error().recipients);
  EXPECT_EQ(1u, enrollment_count(c.id));  // bob was not enrolled either
}

TEST_F(CampaignServiceTest, AStoppedPersonMayBeEnrolledAgain) {
  auto c = created(two_steps());
  enrolled(c.id, person("ann@x.com", "Ann"));
  ASSERT_EQ(1, store->campaigns().stop_for_address(caller.team_id, "ann@x.com", "manual", clock.now()));
  auto again = service.enroll(caller, c.id, {person("ann@x.com", "Ann")});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(2u, enrollment_count(c.id));
}

TEST_F(CampaignServiceTest, TheSamePersonMayBeInTwoCampaigns) {
  auto c1 = created(two_steps());
  auto c2 = created(two_steps());
  enrolled(c1.id, person("ann@x.com", "Ann"));
  EXPECT_TRUE(service.enroll(caller, c2.id, {person("ann@x.com", "Ann")}));
}

// --- who may enroll ---

class CampaignEnrollerTest : public CampaignServiceTest {
 protected:
  CampaignEnrollerTest() {
    store->users().create({"us_2", caller.team_id, "bob@acme.com", Role::User, std::nullopt}, clock.now());
    store->users().create({"us_3", caller.team_id, "cy@acme.com", Role::User, std::nullopt}, clock.now());
  }
  Caller owner{"us_2", caller.team_id, "bob@acme.com", false};
  Caller colleague{"us_3", caller.team_id, "cy@acme.com", false};
};

TEST_F(CampaignEnrollerTest, AColleagueWhoIsNotAnAdminMayNotEnrollAndEnrollsNobody) {
  auto c = service.create(owner, two_steps());
  ASSERT_TRUE(c);
  auto r = service.enroll(colleague, c->id, {person("ann@x.com", "Ann")});
  ASSERT_FALSE(r);
  EXPECT_EQ("forbidden", r.error().code);
  EXPECT_EQ(0u, enrollment_count(c->id));
  EXPECT_TRUE(audit_log().empty());
}

TEST_F(CampaignEnrollerTest, TheOwnerAndAnAdminMayEnrollAndEachEnrollmentRecordsWhoDidIt) {
  auto c = service.create(owner, two_steps());
  ASSERT_TRUE(c);
  auto by_owner = service.enroll(owner, c->id, {person("ann@x.com", "Ann"), person("dan@x.com", "Dan")});
  ASSERT_TRUE(by_owner) << by_owner.error().message;
  clock.advance(Millis(1000));  // enrollments list in the order they were made
  auto by_admin = service.enroll(caller, c->id, {person("eve@x.com", "Eve")});
  ASSERT_TRUE(by_admin) << by_admin.error().message;

  auto stored = service.enrollments(colleague, c->id);  // any member may read them
  ASSERT_TRUE(stored);
  ASSERT_EQ(3u, stored->size());
  EXPECT_EQ(std::optional<std::string>("us_2"), (*stored)[0].enrolled_by);
  EXPECT_EQ(std::optional<std::string>("us_2"), (*stored)[1].enrolled_by);
  EXPECT_EQ(std::optional<std::string>("us_1"), (*stored)[2].enrolled_by);
}

TEST_F(CampaignEnrollerTest, EachEnrollmentRequestIsAuditedWithWhoTheCampaignAndTheCount) {
  auto c = service.create(owner, two_steps());
  ASSERT_TRUE(c);
  ASSERT_TRUE(service.enroll(owner, c->id, {person("ann@x.com", "Ann"), person("dan@x.com", "Dan")}));
  auto log = audit_log();
  ASSERT_EQ(1u, log.size());
  EXPECT_EQ("campaigns.enrolled", log[0].action);
  EXPECT_EQ(std::optional<std::string>("us_2"), log[0].actor_user_id);
  EXPECT_EQ(std::optional<std::string>("bob@acme.com"), log[0].actor_email);
  EXPECT_EQ(std::optional<std::string>(R"({"campaign_id":")" + c->id + R"(","count":2})"), log[0].after_json);
}

// --- template limits ---

TEST_F(CampaignServiceTest, CreateRefusesSectionsNestedDeeperThanTheLimitNamingTheStep) {
  auto in = two_steps();
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "{{#a}}";
  deep += "x";
  for (int i = 0; i < 5000; ++i) deep += "{{/a}}";
  in.steps[1].text = deep;
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("steps[1].text", r.error().field);
  EXPECT_NE(std::string::npos, r.error().message.find("16 levels")) << r.error().message;
  EXPECT_TRUE(service.list(caller).empty());
}

TEST_F(CampaignServiceTest, CreateRefusesAPartialNamingTheStep) {
  auto in = two_steps();
  in.steps[0].subject = "Hi {{>p}}";
  auto r = service.create(caller, in);
  ASSERT_FALSE(r);
  EXPECT_EQ("steps[0].subject", r.error().field);
}

TEST_F(CampaignServiceTest, EnrollTreatsAVarThatLooksLikeAPartialAsPlainText) {
  auto c = created({"Partials", {step(0, "Hi {{p}}", "{{p}}", "")}});
  enrolled(c.id, {"ann@x.com", {{"p", "{{>p}}"}}});
  ASSERT_EQ(1, service.run_due_steps(10));
  auto emails = campaign_emails();
  ASSERT_EQ(1u, emails.size());
  EXPECT_EQ("Hi {{>p}}", emails[0].subject);
}

TEST_F(CampaignServiceTest, EnrollRefusesVarsThatMakeAStepLargerThanTheRenderedLimit) {
  auto c = created({"Big", {step(0, "Hi", "{{v}}{{v}}", "")}});
  auto r = service.enroll(caller, c.id, {{"ann@x.com", {{"v", std::string(600 * 1024, 'x')}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ("recipients[0].vars", r.error().field);
  EXPECT_NE(std::string::npos, r.error().message.find("1 MB")) << r.error().message;
  EXPECT_EQ(0u, enrollment_count(c.id));
}

// --- run_due_steps ---

TEST_F(CampaignServiceTest, AStepIsQueuedOnlyOnceItIsDue) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("Ann@X.com", "Ann"));
  EXPECT_EQ(0, service.run_due_steps(100));
  clock.advance(seconds(3599));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_TRUE(campaign_emails().empty());
  EXPECT_TRUE(marketo.asked.empty());

  clock.advance(seconds(1));
  EXPECT_EQ(1, service.run_due_steps(100));
  auto emails = campaign_emails();
  ASSERT_EQ(1u, emails.size());
  const auto& m = emails[0];
  EXPECT_EQ(EmailStatus::Queued, m.status);
  EXPECT_EQ(Workflow::Campaign, m.workflow);
  EXPECT_EQ((std::vector<std::string>{"Ann@X.com"}), m.to);
  EXPECT_EQ("ann@acme.com", m.from);
  EXPECT_EQ("us_1", m.user_id);
  EXPECT_EQ("Hi Ann", m.subject);
  EXPECT_EQ("Step one for Ann", m.text);
  EXPECT_EQ("<p>Ann</p>", m.html);
  EXPECT_EQ(std::optional<std::string>(e.id), m.enrollment_id);
  EXPECT_EQ(std::optional<int64_t>(0), m.step_index);
  EXPECT_EQ(clock.now(), m.created_at);

  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Active, after.state);
  EXPECT_EQ(0, after.next_step);
  EXPECT_FALSE(after.next_due_at);  // waiting for the email to be sent
}

TEST_F(CampaignServiceTest, RunningTwiceNeverEmitsAStepTwice) {
  auto c = created(two_steps());
  enrolled(c.id, person("ann@x.com", "Ann"));
  clock.advance(seconds(3600));
  EXPECT_EQ(1, service.run_due_steps(100));
  EXPECT_EQ(0, service.run_due_steps(100));
  clock.advance(seconds(7 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_EQ(1u, campaign_emails().size());
}

TEST_F(CampaignServiceTest, OneEmailPerDueEnrollmentAndOneGateQuestionForThem) {
  auto c = created(two_steps());
  ASSERT_TRUE(service.enroll(caller, c.id, {person("ann@x.com", "Ann"), person("Bob@X.com", "Bob"), person("carl@x.com", "Carl")}));
  clock.advance(seconds(3600));
  EXPECT_EQ(3, service.run_due_steps(100));

  std::vector<std::string> subjects;
  for (const auto& m : campaign_emails()) subjects.push_back(m.subject);
  std::sort(subjects.begin(), subjects.end());
  EXPECT_EQ((std::vector<std::string>{"Hi Ann", "Hi Bob", "Hi Carl"}), subjects);

  ASSERT_EQ(1u, marketo.asked.size());
  auto asked = marketo.asked[0];
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@x.com", "carl@x.com"}), asked);
}

TEST_F(CampaignServiceTest, TheLimitBoundsOneRun) {
  auto c = created(two_steps());
  ASSERT_TRUE(service.enroll(caller, c.id, {person("a@x.com", "A"), person("b@x.com", "B"), person("c@x.com", "C")}));
  clock.advance(seconds(3600));
  EXPECT_EQ(2, service.run_due_steps(2));
  EXPECT_EQ(2u, campaign_emails().size());
  EXPECT_EQ(1, service.run_due_steps(2));
  EXPECT_EQ(3u, campaign_emails().size());
}

TEST_F(CampaignServiceTest, UnsubscribedAtDueTimeFailsTheEmailAndStopsTheEnrollment) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("Ann@X.com", "Ann"));
  marketo.unsubscribed = {"ann@x.com"};  // after enrolling, before the step is due
  clock.advance(seconds(3600));
  EXPECT_EQ(1, service.run_due_steps(100));

  auto emails = campaign_emails();
  ASSERT_EQ(1u, emails.size());
  EXPECT_EQ(EmailStatus::Failed, emails[0].status);
  EXPECT_EQ("marketo_unsubscribed", emails[0].reason);
  EXPECT_EQ(std::optional<int64_t>(0), emails[0].step_index);

  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Stopped, after.state);
  EXPECT_EQ("marketo_unsubscribed", after.reason);
  EXPECT_FALSE(after.next_due_at);

  clock.advance(seconds(30 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_EQ(1u, campaign_emails().size());
}

TEST_F(CampaignServiceTest, LocallySuppressedAtDueTimeStopsWithReasonSuppressed) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  local.unsubscribed = {"ann@x.com"};
  clock.advance(seconds(3600));
  EXPECT_EQ(1, service.run_due_steps(100));
  EXPECT_EQ(EmailStatus::Failed, campaign_emails().at(0).status);
  EXPECT_EQ("suppressed", campaign_emails().at(0).reason);
  EXPECT_EQ(store::EnrollmentState::Stopped, reload(e.id).state);
  EXPECT_EQ("suppressed", reload(e.id).reason);
}

TEST_F(CampaignServiceTest, OnlyTheUnsubscribedEnrollmentStops) {
  auto c = created(two_steps());
  auto r = service.enroll(caller, c.id, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob")});
  ASSERT_TRUE(r);
  marketo.unsubscribed = {"bob@x.com"};
  clock.advance(seconds(3600));
  EXPECT_EQ(2, service.run_due_steps(100));
  EXPECT_EQ(store::EnrollmentState::Active, reload((*r)[0].id).state);
  EXPECT_EQ(store::EnrollmentState::Stopped, reload((*r)[1].id).state);
}

TEST_F(CampaignServiceTest, MarketoOutageWithBlockPolicyHoldsTheEmail) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  marketo.failing = true;
  clock.advance(seconds(3600));
  EXPECT_EQ(1, service.run_due_steps(100));

  auto emails = campaign_emails();
  ASSERT_EQ(1u, emails.size());
  EXPECT_EQ(EmailStatus::Held, emails[0].status);
  EXPECT_EQ("check_unavailable", emails[0].reason);
  EXPECT_EQ(std::optional<TimePoint>(clock.now()), emails[0].held_since);

  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Active, after.state);  // the outbox retries the held email
  EXPECT_FALSE(after.next_due_at);
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_EQ(1u, campaign_emails().size());
}

TEST_F(CampaignServiceTest, MarketoOutageWithSendPolicyQueues) {
  store->settings().put(caller.team_id, {true, FailPolicy::Send}, clock.now());
  auto c = created(two_steps());
  enrolled(c.id, person("ann@x.com", "Ann"));
  marketo.failing = true;
  clock.advance(seconds(3600));
  EXPECT_EQ(1, service.run_due_steps(100));
  EXPECT_EQ(EmailStatus::Queued, campaign_emails().at(0).status);
}

TEST_F(CampaignServiceTest, AStoppedEnrollmentIsNeverScheduledAgain) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("Ann@X.com", "Ann"));
  ASSERT_EQ(1, store->campaigns().stop_for_address(caller.team_id, "ann@x.com", "suppressed", clock.now()));
  clock.advance(seconds(3600));
  EXPECT_EQ(0, service.run_due_steps(100));
  clock.advance(seconds(365 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_TRUE(campaign_emails().empty());
  EXPECT_EQ(store::EnrollmentState::Stopped, reload(e.id).state);
  EXPECT_EQ("suppressed", reload(e.id).reason);
}

// --- email_finished ---

TEST_F(CampaignServiceTest, ASentStepSchedulesTheNextFromItsSendTime) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann", "Initech"));
  clock.advance(seconds(3600));
  ASSERT_EQ(1, service.run_due_steps(100));
  auto first = campaign_emails().at(0);

  // Given the email went out ten minutes after it was queued, reported five minutes later,
  TimePoint sent_at = clock.now() + seconds(600);
  clock.advance(seconds(900));
  finish_sent(first, sent_at);
  // then step 1 is due one day after the send, not after the report.
  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Active, after.state);
  EXPECT_EQ(1, after.next_step);
  EXPECT_EQ(std::optional<TimePoint>(sent_at + seconds(86400)), after.next_due_at);

  clock.set(sent_at + seconds(86399));
  EXPECT_EQ(0, service.run_due_steps(100));
  clock.set(sent_at + seconds(86400));
  EXPECT_EQ(1, service.run_due_steps(100));
  auto emails = campaign_emails();
  ASSERT_EQ(2u, emails.size());
  EXPECT_EQ(std::optional<int64_t>(1), emails[1].step_index);
  EXPECT_EQ("Following up, Ann", emails[1].subject);
  EXPECT_EQ("About Initech", emails[1].text);
  EXPECT_EQ(std::optional<std::string>(e.id), emails[1].enrollment_id);
}

TEST_F(CampaignServiceTest, ASentEmailWithoutSendTimeSchedulesFromNow) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  clock.advance(seconds(3600));
  ASSERT_EQ(1, service.run_due_steps(100));
  auto first = campaign_emails().at(0);
  first.status = EmailStatus::Sent;
  service.email_finished(first);
  EXPECT_EQ(std::optional<TimePoint>(clock.now() + seconds(86400)), reload(e.id).next_due_at);
}

TEST_F(CampaignServiceTest, TheLastSentStepFinishesTheEnrollment) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  clock.advance(seconds(3600));
  ASSERT_EQ(1, service.run_due_steps(100));
  finish_sent(campaign_emails().at(0), clock.now());
  clock.advance(seconds(86400));
  ASSERT_EQ(1, service.run_due_steps(100));
  finish_sent(campaign_emails().at(1), clock.now());

  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Finished, after.state);
  EXPECT_FALSE(after.next_due_at);
  clock.advance(seconds(365 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_EQ(2u, campaign_emails().size());
  // A finished enrollment frees the person for another run of the campaign.
  EXPECT_TRUE(service.enroll(caller, c.id, {person("ann@x.com", "Ann")}));
}

TEST_F(CampaignServiceTest, AOneStepCampaignFinishesAfterItsOnlyEmail) {
  auto c = created({"Single", {step(0, "Hi {{first}}")}});
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  EXPECT_EQ(1, service.run_due_steps(100));  // delay 0: due at once
  finish_sent(campaign_emails().at(0), clock.now());
  EXPECT_EQ(store::EnrollmentState::Finished, reload(e.id).state);
}

TEST_F(CampaignServiceTest, AFailedEmailStopsTheEnrollmentWithItsReason) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  clock.advance(seconds(3600));
  ASSERT_EQ(1, service.run_due_steps(100));
  auto first = campaign_emails().at(0);
  first.status = EmailStatus::Failed;
  first.reason = "smtp_rejected: 550 no such user";
  service.email_finished(first);

  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Stopped, after.state);
  EXPECT_EQ("smtp_rejected: 550 no such user", after.reason);
  EXPECT_FALSE(after.next_due_at);
  clock.advance(seconds(365 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
  EXPECT_EQ(1u, campaign_emails().size());
}

TEST_F(CampaignServiceTest, AnEnrollmentStoppedWhileItsEmailWasOnTheWayStaysStopped) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  clock.advance(seconds(3600));
  ASSERT_EQ(1, service.run_due_steps(100));
  // Given an unsubscribe arrives before the outbox reports the email sent,
  ASSERT_EQ(1, store->campaigns().stop_for_address(caller.team_id, "ann@x.com", "suppressed", clock.now()));
  finish_sent(campaign_emails().at(0), clock.now());
  // then no further step is scheduled.
  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Stopped, after.state);
  EXPECT_EQ("suppressed", after.reason);
  EXPECT_FALSE(after.next_due_at);
  clock.advance(seconds(365 * 86400));
  EXPECT_EQ(0, service.run_due_steps(100));
}

TEST_F(CampaignServiceTest, FinishingANonCampaignEmailChangesNothing) {
  auto c = created(two_steps());
  auto e = enrolled(c.id, person("ann@x.com", "Ann"));
  store::EmailRecord unrelated;
  unrelated.id = "em_x";
  unrelated.team_id = caller.team_id;
  unrelated.status = EmailStatus::Failed;
  service.email_finished(unrelated);
  auto after = reload(e.id);
  EXPECT_EQ(store::EnrollmentState::Active, after.state);
  EXPECT_EQ(e.next_due_at, after.next_due_at);
}

}  // namespace
}  // namespace sg::campaigns::test
