// BulkSendService over a real SQLite store: per-recipient outcomes for select & send and
// group email, one gate question per request, all-or-nothing validation, idempotency.
#include "sending/bulk_send.h"

#include "sending/sending_fixture.h"

namespace sg::sending::test {
namespace {

class BulkSendTest : public SendingTest {
 protected:
  BulkRequest bulk(Workflow mode, std::vector<BulkRecipient> recipients) {
    BulkRequest r;
    r.mode = mode;
    r.recipients = std::move(recipients);
    r.subject = "Hi {{first}}";
    r.text = "Hello {{first}}";
    r.html = "<p>Hello {{first}}</p>";
    return r;
  }
  static BulkRecipient person(std::string email, std::string first) {
    return {std::move(email), {{"first", std::move(first)}}};
  }
  std::vector<store::EmailRecord> all_emails() {
    store::EmailFilter f;
    f.team_id = caller.team_id;
    f.limit = 20000;
    return store->emails().list(f);
  }
  store::EmailRecord stored(const std::string& id) {
    auto e = store->emails().find(caller.team_id, id);
    EXPECT_TRUE(e) << id;
    return e.value_or(store::EmailRecord{});
  }
  // Refusals must leave no trace: no email, no Marketo question, no wake-up.
  void expect_nothing_written() {
    EXPECT_TRUE(all_emails().empty());
    EXPECT_TRUE(marketo.asked.empty());
    EXPECT_TRUE(local.asked.empty());
    EXPECT_EQ(0, wakes);
  }

  BulkSendServiceStores bulk_stores() {
    return {store->emails(), store->idempotency(), store->settings(), store->audit(), *store};
  }

  BulkSendService service{bulk_stores(), gate, clock, metrics, SendOptions{}, [this] { ++wakes; }};
};

TEST_F(BulkSendTest, SelectAndSendQueuesOnePersonalizedEmailPerPerson) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("Ann@X.com", "Ann"), person("bob@x.com", "Bob")}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(0u, r->id.rfind("bk_", 0));
  ASSERT_EQ(2u, r->emails.size());
  EXPECT_EQ("Ann@X.com", r->emails[0].email);  // as given, in request order
  EXPECT_EQ("bob@x.com", r->emails[1].email);
  EXPECT_EQ(EmailStatus::Queued, r->emails[0].status);
  EXPECT_EQ("", r->emails[0].reason);
  EXPECT_EQ(1, wakes);

  auto ann = stored(r->emails[0].id);
  EXPECT_EQ((std::vector<std::string>{"Ann@X.com"}), ann.to);
  EXPECT_TRUE(ann.cc.empty());
  EXPECT_TRUE(ann.bcc.empty());
  EXPECT_EQ("Hi Ann", ann.subject);
  EXPECT_EQ("Hello Ann", ann.text);
  EXPECT_EQ("<p>Hello Ann</p>", ann.html);
  EXPECT_EQ(Workflow::SelectAndSend, ann.workflow);
  EXPECT_EQ(store::Source::WebApp, ann.source);
  EXPECT_EQ("ann@acme.com", ann.from);
  EXPECT_EQ(std::optional<std::string>(r->id), ann.bulk_id);
  EXPECT_EQ(EmailStatus::Queued, ann.status);
  EXPECT_FALSE(ann.unverified);
  EXPECT_EQ("Hi Bob", stored(r->emails[1].id).subject);
  EXPECT_EQ(2u, all_emails().size());
}

TEST_F(BulkSendTest, SelectAndSendRecordsUnsubscribedAsFailedAndListsEveryone) {
  marketo.unsubscribed = {"bob@x.com"};
  local.unsubscribed = {"carl@x.com"};
  auto r = service.send(caller, bulk(Workflow::SelectAndSend,
                                     {person("ann@x.com", "Ann"), person("Bob@X.com", "Bob"), person("carl@x.com", "Carl")}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(3u, r->emails.size());
  EXPECT_EQ(EmailStatus::Queued, r->emails[0].status);
  EXPECT_EQ("Bob@X.com", r->emails[1].email);
  EXPECT_EQ(EmailStatus::Failed, r->emails[1].status);
  EXPECT_EQ("marketo_unsubscribed", r->emails[1].reason);
  EXPECT_EQ(EmailStatus::Failed, r->emails[2].status);
  EXPECT_EQ("suppressed", r->emails[2].reason);

  auto bob = stored(r->emails[1].id);
  EXPECT_EQ(EmailStatus::Failed, bob.status);
  EXPECT_EQ("marketo_unsubscribed", bob.reason);
  EXPECT_EQ(EmailStatus::Failed, stored(r->emails[2].id).status);
  EXPECT_EQ(3u, all_emails().size());
}

TEST_F(BulkSendTest, GroupLeavesUnsubscribedOutOfTheAnswerButStoresThemSuppressed) {
  marketo.unsubscribed = {"bob@x.com"};
  auto r = service.send(caller, bulk(Workflow::Group, {person("ann@x.com", "Ann"), person("Bob@X.com", "Bob")}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(1u, r->emails.size());
  EXPECT_EQ("ann@x.com", r->emails[0].email);
  EXPECT_EQ(EmailStatus::Queued, r->emails[0].status);

  store::EmailFilter f;
  f.team_id = caller.team_id;
  f.status = EmailStatus::Suppressed;
  auto dropped = store->emails().list(f);
  ASSERT_EQ(1u, dropped.size());
  EXPECT_EQ((std::vector<std::string>{"Bob@X.com"}), dropped[0].to);
  EXPECT_EQ(Workflow::Group, dropped[0].workflow);
  EXPECT_EQ("marketo_unsubscribed", dropped[0].reason);
  EXPECT_EQ(std::optional<std::string>(r->id), dropped[0].bulk_id);
}

TEST_F(BulkSendTest, GroupDropsLocallySuppressedToo) {
  local.unsubscribed = {"bob@x.com"};
  auto r = service.send(caller, bulk(Workflow::Group, {person("bob@x.com", "Bob")}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->emails.empty());
  auto all = all_emails();
  ASSERT_EQ(1u, all.size());
  EXPECT_EQ(EmailStatus::Suppressed, all[0].status);
  EXPECT_EQ("suppressed", all[0].reason);
}

TEST_F(BulkSendTest, MarketoOutageWithBlockPolicyHoldsEveryEmail) {
  marketo.failing = true;
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob")}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(2u, r->emails.size());
  for (const auto& e : r->emails) {
    EXPECT_EQ(EmailStatus::Held, e.status);
    EXPECT_EQ("check_unavailable", e.reason);
    auto s = stored(e.id);
    EXPECT_EQ(EmailStatus::Held, s.status);
    EXPECT_EQ(std::optional<TimePoint>(clock.now()), s.held_since);
    EXPECT_FALSE(s.unverified);
  }
  EXPECT_TRUE(store->audit().recent(caller.team_id, 10).empty());
}

TEST_F(BulkSendTest, GroupHeldToo) {
  marketo.failing = true;
  auto r = service.send(caller, bulk(Workflow::Group, {person("ann@x.com", "Ann")}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(1u, r->emails.size());
  EXPECT_EQ(EmailStatus::Held, r->emails[0].status);
}

TEST_F(BulkSendTest, MarketoOutageWithSendPolicyQueuesUnverifiedAndAudits) {
  store->settings().put(caller.team_id, {true, FailPolicy::Send}, clock.now());
  marketo.failing = true;
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob")}));
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& e : r->emails) {
    EXPECT_EQ(EmailStatus::Queued, e.status);
    EXPECT_TRUE(stored(e.id).unverified);
  }
  auto audit = store->audit().recent(caller.team_id, 10);
  ASSERT_EQ(1u, audit.size());  // one entry for the request, not one per email
  EXPECT_EQ("bulk_send.accepted_unverified", audit[0].action);
  EXPECT_EQ(std::optional<std::string>("us_1"), audit[0].actor_user_id);
  EXPECT_EQ(std::optional<std::string>("{\"bulk_id\":\"" + r->id + "\"}"), audit[0].after_json);
}

TEST_F(BulkSendTest, OneGateQuestionForTheWholeRequestWithEveryAddress) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend,
                                     {person("Ann@X.com", "Ann"), person("bob@x.com", "Bob"), person("CARL@x.com", "Carl")}));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(1u, marketo.asked.size());
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@x.com", "carl@x.com"}), marketo.asked[0]);
  EXPECT_EQ((std::vector<std::string>{caller.team_id}), marketo.teams);
  ASSERT_EQ(1u, local.asked.size());
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@x.com", "carl@x.com"}), local.asked[0]);
}

TEST_F(BulkSendTest, CheckOffAsksOnlyTheLocalList) {
  store->settings().put(caller.team_id, {false, FailPolicy::Block}, clock.now());
  marketo.unsubscribed = {"ann@x.com"};
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(marketo.asked.empty());
  EXPECT_EQ(EmailStatus::Queued, r->emails[0].status);
}

TEST_F(BulkSendTest, MoreThanTenThousandRecipientsIsRefused) {
  std::vector<BulkRecipient> many;
  for (size_t i = 0; i <= BulkSendService::kMaxRecipients; ++i)
    many.push_back(person("p" + std::to_string(i) + "@x.com", "P"));
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, std::move(many)));
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients", r.error().field);
  EXPECT_EQ("at most 10000 recipients per request, got 10001", r.error().message);
  expect_nothing_written();
}

TEST_F(BulkSendTest, EmptyRecipientsIsRefused) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ("recipients", r.error().field);
  expect_nothing_written();
}

TEST_F(BulkSendTest, InteractiveOrCampaignModeIsRefused) {
  for (Workflow w : {Workflow::Individual, Workflow::Plugin, Workflow::Campaign}) {
    auto r = service.send(caller, bulk(w, {person("ann@x.com", "Ann")}));
    ASSERT_FALSE(r);
    EXPECT_EQ("invalid_request", r.error().code);
    EXPECT_EQ("mode", r.error().field);
  }
  expect_nothing_written();
}

TEST_F(BulkSendTest, BadAddressIsNamedByIndex) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend,
                                     {person("ann@x.com", "Ann"), person("bob@x.com", "Bob"), person("not an address", "X")}));
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[2].email", r.error().field);
  EXPECT_EQ(0u, r.error().message.rfind("recipients[2].email: ", 0)) << r.error().message;
  expect_nothing_written();
}

TEST_F(BulkSendTest, DuplicateAddressIsRefusedCaseInsensitively) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend,
                                     {person("ann@x.com", "Ann"), person("bob@x.com", "Bob"), person("ANN@X.com", "Ann")}));
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[2].email", r.error().field);
  EXPECT_EQ("recipients[2].email repeats recipients[0].email (ANN@X.com)", r.error().message);
  expect_nothing_written();
}

TEST_F(BulkSendTest, MissingVariableNamesTheRecipientsVars) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend,
                                     {person("ann@x.com", "Ann"), BulkRecipient{"bob@x.com", {{"last", "Lee"}}}}));
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("recipients[1].vars", r.error().field);
  EXPECT_EQ("recipients[1] (bob@x.com) has no value for {{first}}", r.error().message);
  expect_nothing_written();
}

TEST_F(BulkSendTest, LineBreakInjectedThroughAVarIntoTheSubjectIsRefused) {
  for (std::string evil : {"Ann\r\nBcc: victim@y.com", "Ann\nBcc: victim@y.com", "Ann\rX"}) {
    auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), person("bob@x.com", evil)}));
    ASSERT_FALSE(r);
    EXPECT_EQ("invalid_request", r.error().code);
    EXPECT_EQ("recipients[1].vars", r.error().field);
    EXPECT_NE(std::string::npos, r.error().message.find("line breaks")) << r.error().message;
  }
  expect_nothing_written();
}

TEST_F(BulkSendTest, LineBreakInABodyVarIsAllowed) {
  auto req = bulk(Workflow::SelectAndSend, {BulkRecipient{"ann@x.com", {{"first", "Ann"}, {"note", "a\r\nb"}}}});
  req.text = "{{note}}";
  auto r = service.send(caller, req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ("a\r\nb", stored(r->emails[0].id).text);
}

TEST_F(BulkSendTest, MalformedTemplateNamesThePart) {
  auto req = bulk(Workflow::Group, {person("ann@x.com", "Ann")});
  req.html = "{{#open}}";
  auto r = service.send(caller, req);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("html", r.error().field);
  expect_nothing_written();
}

TEST_F(BulkSendTest, PersonalizedSubjectOverTheLimitIsRefused) {
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, {person("ann@x.com", std::string(1000, 'a'))}));
  ASSERT_FALSE(r);
  EXPECT_EQ("recipients[0].vars", r.error().field);
  expect_nothing_written();
}

TEST_F(BulkSendTest, OneBadRecipientRefusesTheWholeRequest) {
  // Given nine good people and one bad one at the end, nothing at all is recorded.
  std::vector<BulkRecipient> people;
  for (int i = 0; i < 9; ++i) people.push_back(person("p" + std::to_string(i) + "@x.com", "P"));
  people.push_back({"last@x.com", {}});
  auto r = service.send(caller, bulk(Workflow::SelectAndSend, std::move(people)));
  ASSERT_FALSE(r);
  EXPECT_EQ("recipients[9].vars", r.error().field);
  expect_nothing_written();
}

TEST_F(BulkSendTest, IdempotencyKeyReplaysTheFirstAnswerAndSendsOnce) {
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob")});
  req.idempotency_key = "k1";
  auto first = service.send(caller, req);
  ASSERT_TRUE(first) << first.error().message;
  marketo.unsubscribed = {"bob@x.com"};  // a changed world does not change the replay
  auto second = service.send(caller, req);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->id, second->id);
  ASSERT_EQ(2u, second->emails.size());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(first->emails[i].email, second->emails[i].email);
    EXPECT_EQ(first->emails[i].id, second->emails[i].id);
    EXPECT_EQ(EmailStatus::Queued, second->emails[i].status);
    EXPECT_EQ("", second->emails[i].reason);
  }
  EXPECT_EQ(2u, all_emails().size());
  EXPECT_EQ(1u, marketo.asked.size());
  EXPECT_EQ(1, wakes);
}

TEST_F(BulkSendTest, ReplayKeepsFailedStatusesAndReasons) {
  marketo.unsubscribed = {"bob@x.com"};
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), person("bob@x.com", "Bob")});
  req.idempotency_key = "k1";
  auto first = service.send(caller, req);
  ASSERT_TRUE(first);
  auto again = service.send(caller, req);
  ASSERT_TRUE(again);
  EXPECT_EQ(EmailStatus::Failed, again->emails[1].status);
  EXPECT_EQ("marketo_unsubscribed", again->emails[1].reason);
}

TEST_F(BulkSendTest, KeyReusedWithADifferentBodyIsRefused) {
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  req.idempotency_key = "k1";
  ASSERT_TRUE(service.send(caller, req));

  auto other_vars = req;
  other_vars.recipients[0].vars["first"] = "Annie";
  auto other_mode = req;
  other_mode.mode = Workflow::Group;
  auto other_subject = req;
  other_subject.subject = "Hello {{first}}";
  auto other_people = req;
  other_people.recipients.push_back(person("bob@x.com", "Bob"));
  for (const auto& changed : {other_vars, other_mode, other_subject, other_people}) {
    auto r = service.send(caller, changed);
    ASSERT_FALSE(r);
    EXPECT_EQ("idempotency_key_reused", r.error().code);
  }
  EXPECT_EQ(1u, all_emails().size());
}

TEST_F(BulkSendTest, KeysArePerUser) {
  store->users().create({"us_2", caller.team_id, "sam@acme.com", Role::User, std::nullopt}, clock.now());
  Caller sam{"us_2", caller.team_id, "sam@acme.com", false};
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  req.idempotency_key = "k1";
  auto mine = service.send(caller, req);
  auto theirs = service.send(sam, req);
  ASSERT_TRUE(mine);
  ASSERT_TRUE(theirs);
  EXPECT_NE(mine->id, theirs->id);
  EXPECT_EQ(2u, all_emails().size());
}

TEST_F(BulkSendTest, BulkAndSingleSendKeysDoNotCollide) {
  SendService single{send_stores(), settings_cache, gate, clock, metrics, SendOptions{}, [] {}};
  auto one = request({"ann@x.com"});
  one.idempotency_key = "shared";
  ASSERT_TRUE(single.send(caller, one));
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  req.idempotency_key = "shared";
  auto r = service.send(caller, req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(2u, all_emails().size());
}

TEST_F(BulkSendTest, ASingleSendKeyThatLooksPrefixedDoesNotCollideWithABulkKey) {
  // Given a single send whose own key happens to be "bulk:k1",
  SendService single{send_stores(), settings_cache, gate, clock, metrics, SendOptions{}, [] {}};
  auto one = request({"ann@x.com"});
  one.idempotency_key = "bulk:k1";
  ASSERT_TRUE(single.send(caller, one));
  // then a bulk send with key "k1" is a new request, not a reuse of that key.
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  req.idempotency_key = "k1";
  auto r = service.send(caller, req);
  ASSERT_TRUE(r) << r.error().code << ": " << r.error().message;
  EXPECT_EQ(2u, all_emails().size());
}

TEST_F(BulkSendTest, BadIdempotencyKeyIsRefused) {
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  req.idempotency_key = "";
  EXPECT_EQ("idempotency_key", service.send(caller, req).error().field);
  req.idempotency_key = std::string(256, 'k');
  EXPECT_EQ("idempotency_key", service.send(caller, req).error().field);
  expect_nothing_written();
}

TEST_F(BulkSendTest, ARefusedRequestDoesNotSpendItsKey) {
  auto req = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann"), {"bob@x.com", {}}});
  req.idempotency_key = "k1";
  ASSERT_FALSE(service.send(caller, req));
  expect_nothing_written();
  req.recipients[1].vars["first"] = "Bob";  // corrected, same key
  auto r = service.send(caller, req);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(2u, all_emails().size());
}

TEST_F(BulkSendTest, APartialIsRefusedAndAVarNamingOneStaysText) {
  auto r = bulk(Workflow::SelectAndSend, {{"ann@x.com", {{"p", "{{>p}}"}}}});
  r.subject = "{{>p}}";
  auto refused = service.send(caller, r);
  ASSERT_FALSE(refused);
  EXPECT_EQ("subject", refused.error().field);
  expect_nothing_written();

  r.subject = "Hi {{p}}";
  r.text = r.html = "{{p}}";
  auto sent = service.send(caller, r);
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ("Hi {{>p}}", stored(sent->emails[0].id).subject);
}

TEST_F(BulkSendTest, DeepNestingIsRefusedNamingTheFieldAndTheLimit) {
  auto r = bulk(Workflow::SelectAndSend, {person("ann@x.com", "Ann")});
  r.text.clear();
  for (int i = 0; i < 5000; ++i) r.text += "{{#a}}";
  r.text += "x";
  for (int i = 0; i < 5000; ++i) r.text += "{{/a}}";
  auto refused = service.send(caller, r);
  ASSERT_FALSE(refused);
  EXPECT_EQ("invalid_request", refused.error().code);
  EXPECT_EQ("text", refused.error().field);
  EXPECT_NE(std::string::npos, refused.error().message.find("16 levels")) << refused.error().message;
  expect_nothing_written();
}

TEST_F(BulkSendTest, RefusesARequestWhoseEmailsTogetherPassTheRenderedTotalLimit) {
  SendOptions small;
  small.max_bulk_rendered_bytes = 100;
  BulkSendService limited{bulk_stores(), gate, clock, metrics, small, [this] { ++wakes; }};
  // Each email here is "Hi X" + "Hello X" + "<p>Hello X</p>": 25 bytes with a 1-letter name.
  std::vector<BulkRecipient> people;
  for (char c = 'a'; c <= 'e'; ++c) people.push_back(person(std::string(1, c) + "@x.com", std::string(1, c)));
  auto refused = limited.send(caller, bulk(Workflow::SelectAndSend, people));
  ASSERT_FALSE(refused);
  EXPECT_EQ("recipients[4].vars", refused.error().field);
  EXPECT_NE(std::string::npos, refused.error().message.find("100 bytes")) << refused.error().message;
  expect_nothing_written();
  people.pop_back();
  EXPECT_TRUE(limited.send(caller, bulk(Workflow::SelectAndSend, people)));
}

}  // namespace
}  // namespace sg::sending::test
