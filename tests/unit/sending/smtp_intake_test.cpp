// What becomes of an SMTP submission: logins, senders, the gate, the stored message and
// its delivery, over the real SQLite store with fake sources, relay credentials and transport.
#include "sending/smtp_intake.h"

#include "fakes/fake_relay_credentials.h"
#include "mail/gmime_objects.h"
#include "sending/outbox_worker.h"
#include "sending/sending_fixture.h"

namespace sg::sending::test {
namespace {

constexpr std::string_view kClient = "203.0.113.9";

class SmtpIntakeTest : public SendingTest {
 protected:
  SmtpIntakeTest() {
    ann_token = accounts.issue_token("ann@acme.com", "mail client")->value;
    auto bob = accounts.add_user({"Acme", "bob@acme.com", Role::User, std::nullopt});
    bob_id = bob->user_id;
    bob_token = bob->api_token;
    carol_token = accounts.add_user({"Other", "carol@other.com", Role::User, std::nullopt})->api_token;
    relays.add({"rc_1", caller.team_id, "Salesforce", "relay-acme", clock.now()}, "relay-secret");
  }

  smtp::Login ann() { return *intake.authenticate("ann@acme.com", ann_token, kClient); }
  smtp::Login relay() { return *intake.authenticate("relay-acme", "relay-secret", kClient); }

  static std::string message(const std::string& from, const std::string& extra_headers = "") {
    return "From: " + from + "\r\nTo: Lead <lead@x.com>\r\nCc: cc@x.com\r\n" + extra_headers +
           "Subject: =?utf-8?q?Pr=C3=ACcing?=\r\n\r\nHello\r\n";
  }
  static smtp::Envelope envelope(const std::string& from) {
    return {from, {"lead@x.com", "cc@x.com", "hidden@x.com"}};
  }
  store::EmailRecord email(const std::string& id) { return *store->emails().find(caller.team_id, id); }
  std::vector<store::EmailRecord> emails() {
    store::EmailFilter all;
    all.team_id = caller.team_id;
    return store->emails().list(all);
  }
  OutboxOptions outbox_options() {
    OutboxOptions o;
    o.workers = 0;
    o.public_url = "https://sg.example";
    o.mail_domain = "sg.example";
    return o;
  }

  settings::Accounts accounts{{store->users(), store->teams(), *store}, clock};
  sg::test::FakeRelayCredentials relays;
  SendService service{send_stores(), settings_cache, gate, clock, metrics, SendOptions{}, [this] { ++wakes; }};
  SmtpIntake intake{store->users(), accounts, relays, service, clock, "sg.example"};
  OutboxWorker outbox{outbox_stores(), gate, transport, tokens, clock, metrics, outbox_options()};
  std::string ann_token, bob_token, bob_id, carol_token;
};

// --- authenticate ---

TEST_F(SmtpIntakeTest, AUserLogsInWithTheirEmailAndOneOfTheirTokens) {
  auto login = intake.authenticate("ANN@acme.com", ann_token, kClient);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_EQ(caller.team_id, login->team_id);
  EXPECT_EQ("us_1", login->user_id);
  EXPECT_EQ("ANN@acme.com", login->username);
  EXPECT_FALSE(login->relay_credential_id);
}

TEST_F(SmtpIntakeTest, AWrongTokenAnotherUsersTokenAndAnUnknownUserFailAlike) {
  auto wrong = intake.authenticate("ann@acme.com", "sg_not_a_token", kClient);
  auto someone_elses = intake.authenticate("ann@acme.com", bob_token, kClient);
  auto other_team = intake.authenticate("ann@acme.com", carol_token, kClient);
  auto unknown = intake.authenticate("nobody@acme.com", ann_token, kClient);
  for (const auto* r : {&wrong, &someone_elses, &other_team, &unknown}) {
    ASSERT_FALSE(*r);
    EXPECT_EQ(errc::unauthorized, r->error().code);
    EXPECT_EQ(wrong.error().message, r->error().message);
  }
}

TEST_F(SmtpIntakeTest, ARelayCredentialLogsInForItsTeam) {
  auto login = intake.authenticate("relay-acme", "relay-secret", kClient);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_EQ(caller.team_id, login->team_id);
  EXPECT_EQ("", login->user_id);
  EXPECT_EQ("rc_1", login->relay_credential_id);
  EXPECT_FALSE(intake.authenticate("relay-acme", "wrong", kClient));
}

TEST_F(SmtpIntakeTest, FailedLoginsAreThrottledEvenForTheRightTokenThen) {
  std::optional<Error> limited;
  for (int i = 0; i < 10 && !limited; ++i) {
    auto r = intake.authenticate("ann@acme.com", "sg_guess", kClient);
    ASSERT_FALSE(r);
    if (r.error().code == errc::rate_limited) limited = r.error();
  }
  ASSERT_TRUE(limited) << "guessing was never slowed down";
  EXPECT_GT(limited->retry_after_seconds, 0);
  auto right = intake.authenticate("ann@acme.com", ann_token, kClient);
  ASSERT_FALSE(right);
  EXPECT_EQ(errc::rate_limited, right.error().code);
  EXPECT_TRUE(intake.authenticate("ann@acme.com", ann_token, "198.51.100.1")) << "another client is not locked";
}

TEST_F(SmtpIntakeTest, ARemovedUsersTokenNoLongerWorks) {
  ASSERT_TRUE(intake.authenticate("bob@acme.com", bob_token, kClient));
  ASSERT_TRUE(accounts.remove_user("bob@acme.com"));
  auto r = intake.authenticate("bob@acme.com", bob_token, kClient);
  ASSERT_FALSE(r);
  EXPECT_EQ(errc::unauthorized, r.error().code);
}

// --- may_send_as ---

TEST_F(SmtpIntakeTest, AUserMaySendOnlyAsThemselves) {
  EXPECT_TRUE(intake.may_send_as(ann(), "Ann@Acme.com"));
  auto other = intake.may_send_as(ann(), "bob@acme.com");
  ASSERT_FALSE(other);
  EXPECT_EQ(errc::forbidden, other.error().code);
  EXPECT_NE(std::string::npos, other.error().message.find("may send only as ann@acme.com")) << other.error().message;
  EXPECT_FALSE(intake.may_send_as(ann(), "")) << "a user has no use for the null sender";
  auto garbage = intake.may_send_as(ann(), "not an address");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(errc::invalid_request, garbage.error().code);
}

TEST_F(SmtpIntakeTest, ARelayCredentialMaySendAsMembersSalesforceBouncesAndTheNullSender) {
  EXPECT_TRUE(intake.may_send_as(relay(), "ann@acme.com"));
  EXPECT_TRUE(intake.may_send_as(relay(), "BOB@acme.com"));
  EXPECT_TRUE(intake.may_send_as(relay(), ""));
  EXPECT_TRUE(intake.may_send_as(relay(), "ann=acme.com__0-1abc@12x.bnc.salesforce.com"));
  EXPECT_TRUE(intake.may_send_as(relay(), "x@bnc.salesforce.com"));
  for (std::string refused : {"carol@other.com", "stranger@acme.com", "x@evilbnc.salesforce.com",
                              "x@bnc.salesforce.com.evil.example"}) {
    auto r = intake.may_send_as(relay(), refused);
    ASSERT_FALSE(r) << refused;
    EXPECT_EQ(errc::forbidden, r.error().code);
    EXPECT_NE(std::string::npos, r.error().message.find("may send only as a member")) << r.error().message;
  }
}

// --- submit ---

TEST_F(SmtpIntakeTest, AnAllowedMessageIsQueuedAsAnEmailClientEmailWithItsMessageStored) {
  auto id = intake.submit(ann(), envelope("ann@acme.com"),
                          message("Ann <ann@acme.com>", "Bcc: hidden@x.com\r\nMessage-ID: <own@client>\r\n"));
  ASSERT_TRUE(id) << id.error().message;
  auto e = email(*id);
  EXPECT_EQ(EmailStatus::Queued, e.status);
  EXPECT_EQ(store::Source::EmailClient, e.source);
  EXPECT_EQ(Workflow::Individual, e.workflow);
  EXPECT_EQ("us_1", e.user_id);
  EXPECT_EQ("Pr\xc3\xac" "cing", e.subject);
  EXPECT_EQ("<own@client>", e.message_id);
  EXPECT_EQ((std::vector<std::string>{"lead@x.com"}), e.to);
  EXPECT_EQ((std::vector<std::string>{"cc@x.com"}), e.cc);
  EXPECT_EQ((std::vector<std::string>{"hidden@x.com"}), e.bcc);
  auto stored = store->emails().submitted_message(*id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(std::string::npos, stored->find("Bcc")) << *stored;
  EXPECT_EQ(std::string::npos, stored->find("hidden@x.com")) << *stored;
  EXPECT_NE(std::string::npos, stored->find("Date: ")) << "added when missing";
  EXPECT_EQ(1, wakes);
  // Every envelope recipient was asked about at once, the Bcc one too.
  ASSERT_FALSE(marketo.asked.empty());
  EXPECT_EQ((std::vector<std::string>{"lead@x.com", "cc@x.com", "hidden@x.com"}), marketo.asked.back());
}

TEST_F(SmtpIntakeTest, FromMustBeTheLoginsOwnAddress) {
  auto r = intake.submit(ann(), envelope("ann@acme.com"), message("bob@acme.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errc::forbidden, r.error().code);
  EXPECT_NE(std::string::npos, r.error().message.find("bob@acme.com")) << r.error().message;
  EXPECT_TRUE(emails().empty());
}

TEST_F(SmtpIntakeTest, ARelayCredentialSendsAsTheMemberInFromAsSalesforce) {
  auto id = intake.submit(relay(), envelope("bob=acme.com__0-1@12x.bnc.salesforce.com"), message("bob@acme.com"));
  ASSERT_TRUE(id) << id.error().message;
  auto e = email(*id);
  EXPECT_EQ(store::Source::Salesforce, e.source);
  EXPECT_EQ(bob_id, e.user_id);
  EXPECT_EQ("bob@acme.com", e.from);
  auto stranger = intake.submit(relay(), envelope(""), message("carol@other.com"));
  ASSERT_FALSE(stranger);
  EXPECT_EQ(errc::forbidden, stranger.error().code);
  EXPECT_NE(std::string::npos, stranger.error().message.find("carol@other.com"));
}

TEST_F(SmtpIntakeTest, AnUnsubscribedBccRefusesTheWholeMessageRecordedBlockedWithNothingQueued) {
  marketo.unsubscribed = {"hidden@x.com"};
  auto r = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com", "Bcc: hidden@x.com\r\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errc::recipient_unsubscribed, r.error().code);
  EXPECT_EQ((std::vector<std::string>{"hidden@x.com"}), r.error().recipients);
  auto recorded = emails();
  ASSERT_EQ(1u, recorded.size());
  EXPECT_EQ(EmailStatus::Blocked, recorded[0].status);
  EXPECT_EQ(store::Source::EmailClient, recorded[0].source);
  EXPECT_FALSE(store->emails().submitted_message(recorded[0].id));
  EXPECT_EQ(0, wakes);
  EXPECT_EQ(0, outbox.run_once());
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(SmtpIntakeTest, AnOutageUnderPolicyBlockIsUnavailableAndQueuesNothing) {
  marketo.failing = true;
  auto r = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errc::unsubscribe_check_unavailable, r.error().code);
  EXPECT_EQ(0, outbox.run_once());
}

TEST_F(SmtpIntakeTest, AnOutageUnderPolicySendIsAcceptedUnverified) {
  store->settings().put(caller.team_id, {true, FailPolicy::Send}, clock.now());
  marketo.failing = true;
  auto id = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com"));
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_TRUE(email(*id).unverified);
  EXPECT_EQ(EmailStatus::Queued, email(*id).status);
}

TEST_F(SmtpIntakeTest, UnreadableMessagesAndOverlongHeadersAreInvalid) {
  for (std::string bad : {std::string("To: lead@x.com\r\n\r\nno From\r\n"),
                          "From: ann@acme.com\r\nX-Long: " + std::string(1000, 'x') + "\r\n\r\nx\r\n"}) {
    auto r = intake.submit(ann(), envelope("ann@acme.com"), bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(errc::invalid_request, r.error().code) << r.error().message;
  }
  EXPECT_TRUE(emails().empty());
}

// --- delivery ---

TEST_F(SmtpIntakeTest, EachRecipientGetsTheMessageAsWrittenWithItsOwnUnsubscribeHeaders) {
  auto id = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com", "Bcc: hidden@x.com\r\n"));
  ASSERT_TRUE(id);
  std::string stored = *store->emails().submitted_message(*id);
  EXPECT_EQ(1, outbox.run_once());
  EXPECT_EQ(EmailStatus::Sent, email(*id).status);
  ASSERT_EQ(3u, transport.sent.size());
  for (const auto& sent : transport.sent) {
    ASSERT_EQ(1u, sent.envelope.rcpt_to.size());
    EXPECT_EQ("ann@acme.com", sent.envelope.mail_from);
    const std::string prefix = "List-Unsubscribe: <https://sg.example/u/";
    ASSERT_TRUE(sent.mime.starts_with(prefix)) << sent.mime;
    size_t end = sent.mime.find('>');
    auto scope = tokens.open(sent.mime.substr(prefix.size(), end - prefix.size()));
    ASSERT_TRUE(scope);
    EXPECT_EQ(sent.envelope.rcpt_to[0], scope->email_key);
    EXPECT_EQ(">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" + stored, sent.mime.substr(end));
  }
}

TEST_F(SmtpIntakeTest, AMessageAcceptedIsDeliveredByTheNextProcessAfterACrash) {
  auto id = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com"));
  ASSERT_TRUE(id);
  std::string stored = *store->emails().submitted_message(*id);
  // Given: the process died right after the 250; a new one opens the same database.
  auto reopened = db_file.open(key);
  OutboxWorker next{{reopened->emails(), reopened->settings(), reopened->audit(), *reopened},
                    gate, transport, tokens, clock, metrics, outbox_options()};
  EXPECT_EQ(1, next.run_once());
  EXPECT_EQ(EmailStatus::Sent, reopened->emails().find(caller.team_id, *id)->status);
  ASSERT_EQ(3u, transport.sent.size());
  EXPECT_TRUE(transport.sent[0].mime.ends_with(stored));
}

TEST_F(SmtpIntakeTest, ALateUnsubscribeStopsTheMessageAndTellsTheSenderWithADeliveryReport) {
  auto id = intake.submit(ann(), envelope("ann@acme.com"), message("ann@acme.com", "Bcc: hidden@x.com\r\n"));
  ASSERT_TRUE(id);
  marketo.unsubscribed = {"cc@x.com"};
  local.unsubscribed = {"hidden@x.com"};
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Failed, email(*id).status);
  EXPECT_EQ("marketo_unsubscribed", email(*id).reason);
  ASSERT_EQ(1u, transport.sent.size()) << "only the report, to the sender";
  const auto& report = transport.sent[0];
  EXPECT_EQ("", report.envelope.mail_from) << "a report has the null sender";
  EXPECT_EQ((std::vector<std::string>{"ann@acme.com"}), report.envelope.rcpt_to);
  auto parsed = mail::gmime::parse_message(report.mime);
  ASSERT_TRUE(parsed);
  GMimeContentType* type = g_mime_object_get_content_type(g_mime_message_get_mime_part(parsed.get()));
  EXPECT_TRUE(g_mime_content_type_is_type(type, "multipart", "report"));
  EXPECT_NE(std::string::npos, report.mime.find("Final-Recipient: rfc822; cc@x.com")) << report.mime;
  EXPECT_NE(std::string::npos, report.mime.find("Final-Recipient: rfc822; hidden@x.com"))
      << "a Bcc is named to its sender";
  EXPECT_EQ(std::string::npos, report.mime.find("Final-Recipient: rfc822; lead@x.com"));
  EXPECT_NE(std::string::npos, report.mime.find("Status: 5.7.1"));
  EXPECT_NE(std::string::npos, report.mime.find("Subject: =?utf-8?q?Pr=C3=ACcing?=")) << "the original headers";
}

}  // namespace
}  // namespace sg::sending::test
