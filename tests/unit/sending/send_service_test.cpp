#include "sending/send_service.h"

#include "sending/sending_fixture.h"

namespace sg::sending::test {
namespace {

class SendServiceTest : public SendingTest {
 protected:
  SendService service{send_stores(), settings_cache, gate, clock, metrics, SendOptions{}, [this] { ++wakes; }};
};

TEST_F(SendServiceTest, QueuesAnAllowedEmailAndWakesTheOutbox) {
  auto r = service.send(caller, request({"Bob@X.com"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(EmailStatus::Queued, r->status);
  EXPECT_EQ(1, wakes);
  auto e = store->emails().find(caller.team_id, r->id);
  ASSERT_TRUE(e);
  EXPECT_EQ((std::vector<std::string>{"Bob@X.com"}), e->to);
  EXPECT_EQ("ann@acme.com", e->from);
}

TEST_F(SendServiceTest, RefusesNamingEveryUnsubscribedRecipientAndRecordsBlocked) {
  marketo.unsubscribed = {"bob@x.com", "carl@x.com"};
  auto req = request({"Bob@X.com", "ok@x.com"});
  req.bcc = {"CARL@x.com"};
  auto r = service.send(caller, req);
  ASSERT_FALSE(r);
  EXPECT_EQ("recipient_unsubscribed", r.error().code);
  EXPECT_EQ((std::vector<std::string>{"Bob@X.com", "CARL@x.com"}), r.error().recipients);
  EXPECT_EQ(0, wakes);
  auto page = service.list(caller, {});
  ASSERT_TRUE(page);
  ASSERT_EQ(1u, page->emails.size());
  EXPECT_EQ(EmailStatus::Blocked, page->emails[0].status);
  EXPECT_EQ("marketo_unsubscribed", page->emails[0].reason);
}

TEST_F(SendServiceTest, LocallySuppressedIsRefusedToo) {
  local.unsubscribed = {"gone@x.com"};
  auto r = service.send(caller, request({"gone@x.com"}));
  ASSERT_FALSE(r);
  EXPECT_EQ("recipient_unsubscribed", r.error().code);
}

TEST_F(SendServiceTest, OutageWithBlockPolicyIsUnavailableAndNotRemembered) {
  marketo.failing = true;
  auto req = request({"a@x.com"});
  req.idempotency_key = "k1";
  auto r = service.send(caller, req);
  ASSERT_FALSE(r);
  EXPECT_EQ("unsubscribe_check_unavailable", r.error().code);
  marketo.failing = false;
  auto retry = service.send(caller, req);  // same key works once Marketo answers
  ASSERT_TRUE(retry);
  EXPECT_EQ(EmailStatus::Queued, retry->status);
}

TEST_F(SendServiceTest, OutageWithSendPolicyQueuesMarkedUnverified) {
  store->settings().put(caller.team_id, {true, FailPolicy::Send}, clock.now());
  marketo.failing = true;
  auto r = service.send(caller, request({"a@x.com"}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(store->emails().find(caller.team_id, r->id)->unverified);
  EXPECT_EQ("email.accepted_unverified", store->audit().recent(caller.team_id, 1).at(0).action);
}

TEST_F(SendServiceTest, IdempotencyKeyReplaysTheFirstAnswer) {
  auto req = request({"a@x.com"});
  req.idempotency_key = "k1";
  auto first = service.send(caller, req);
  auto second = service.send(caller, req);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(1u, service.list(caller, {})->emails.size());
  req.subject = "Different";
  auto conflict = service.send(caller, req);
  ASSERT_FALSE(conflict);
  EXPECT_EQ("idempotency_key_reused", conflict.error().code);
}

TEST_F(SendServiceTest, RefusalIsReplayedForTheSameKey) {
  marketo.unsubscribed = {"a@x.com"};
  auto req = request({"a@x.com"});
  req.idempotency_key = "k2";
  ASSERT_FALSE(service.send(caller, req));
  marketo.unsubscribed.clear();
  auto again = service.send(caller, req);
  ASSERT_FALSE(again);
  EXPECT_EQ((std::vector<std::string>{"a@x.com"}), again.error().recipients);
}

TEST_F(SendServiceTest, ValidationNamesTheField) {
  auto bad = request({"a@x.com"});
  bad.cc = {"ok@x.com", "not an address"};
  auto r = service.send(caller, bad);
  ASSERT_FALSE(r);
  EXPECT_EQ("invalid_request", r.error().code);
  EXPECT_EQ("cc[1]", r.error().field);

  auto injected = request({"a@x.com"});
  injected.subject = "Hi\r\nBcc: victim@y.com";
  EXPECT_EQ("subject", service.send(caller, injected).error().field);

  EXPECT_EQ("to", service.send(caller, request({})).error().field);
  auto campaign = request({"a@x.com"});
  campaign.workflow = Workflow::Group;
  EXPECT_EQ("workflow", service.send(caller, campaign).error().field);
  EXPECT_TRUE(marketo.asked.empty());  // nothing invalid reaches Marketo
}

TEST_F(SendServiceTest, UsersSeeOnlyTheirOwnEmails) {
  auto sent = service.send(caller, request({"a@x.com"}));
  ASSERT_TRUE(sent);
  Caller other{"us_2", caller.team_id, "sam@acme.com", false};
  EXPECT_EQ("not_found", service.get(other, sent->id).error().code);
  EXPECT_TRUE(service.list(other, {})->emails.empty());
  Caller other_team{"us_3", "tm_other", "x@globex.com", true};
  EXPECT_EQ("not_found", service.get(other_team, sent->id).error().code);
}

TEST_F(SendServiceTest, CheckAnswersInRequestOrder) {
  marketo.unsubscribed = {"b@x.com"};
  auto r = service.check(caller, {"A@x.com", "B@x.com"});
  ASSERT_TRUE(r);
  ASSERT_EQ(2u, r->size());
  EXPECT_TRUE((*r)[0].allowed);
  EXPECT_EQ("A@x.com", (*r)[0].email);
  EXPECT_FALSE((*r)[1].allowed);
  EXPECT_EQ("marketo_unsubscribed", (*r)[1].reason);
}

TEST_F(SendServiceTest, ListRejectsBadFilters) {
  EXPECT_EQ("status", service.list(caller, {std::string("lost"), {}, {}, {}}).error().field);
  EXPECT_EQ("cursor", service.list(caller, {{}, {}, std::string("zzz"), {}}).error().field);
  EXPECT_EQ("limit", service.list(caller, {{}, {}, {}, 0}).error().field);
}

}  // namespace
}  // namespace sg::sending::test
