#include "sending/outbox_worker.h"

#include <functional>
#include <thread>

#include "sending/sending_fixture.h"

namespace sg::sending::test {
namespace {

class OutboxTest : public SendingTest {
 protected:
  OutboxOptions options() {
    OutboxOptions o;
    o.workers = 0;
    o.max_delivery_attempts = 3;
    o.retry_base = Millis(1000);
    o.hold_retry_base = Millis(1000);
    o.max_hold = Millis(10000);
    o.public_url = "https://sg.example";
    return o;
  }
  std::string queue(std::vector<std::string> to) {
    auto r = service.send(caller, request(std::move(to)));
    EXPECT_TRUE(r);
    return r->id;
  }
  store::EmailRecord email(const std::string& id) { return *store->emails().find(caller.team_id, id); }

  SendService service{send_stores(), settings_cache, gate, clock, metrics, SendOptions{}, [] {}};
  OutboxWorker outbox{outbox_stores(), gate, transport, tokens, clock, metrics, options()};
};

TEST_F(OutboxTest, DeliversEachRecipientWithItsOwnUnsubscribeLink) {
  auto req = request({"a@x.com"});
  req.cc = {"c@x.com"};
  req.bcc = {"b@x.com"};
  auto id = service.send(caller, req)->id;
  EXPECT_EQ(1, outbox.run_once());
  EXPECT_EQ((std::vector<std::string>{"a@x.com", "c@x.com", "b@x.com"}), transport.recipients());
  auto e = email(id);
  EXPECT_EQ(EmailStatus::Sent, e.status);
  ASSERT_TRUE(e.sent_at);
  const std::string& mime = transport.sent[2].mime;
  EXPECT_EQ(std::string::npos, mime.find("b@x.com"));  // Bcc never in headers
  const std::string prefix = "List-Unsubscribe: <https://sg.example/u/";
  auto link = mime.find(prefix);
  ASSERT_NE(std::string::npos, link);
  size_t start = link + prefix.size();
  std::string token = mime.substr(start, mime.find('>', start) - start);
  auto scope = tokens.open(token);
  ASSERT_TRUE(scope);
  EXPECT_EQ("b@x.com", scope->email_key);
}

TEST_F(OutboxTest, UnsubscribedSinceAcceptanceIsNotDelivered) {
  auto id = queue({"a@x.com"});
  marketo.unsubscribed = {"a@x.com"};
  outbox.run_once();
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_EQ(EmailStatus::Failed, email(id).status);
  EXPECT_EQ("marketo_unsubscribed", email(id).reason);
}

// Delivers through the recording transport and runs `at_end` as each message ends, once
// the outbox's gate let it.
class EndWatchingTransport final : public mail::Transport {
 public:
  explicit EndWatchingTransport(sg::test::RecordingTransport& inner) : inner_(inner) {}
  std::function<void()> at_end;

 private:
  mail::DeliveryResult send(const mail::SmtpEnvelope& envelope, std::string_view mime,
                            const EndGate& gate) override {
    return inner_.deliver(envelope, mime, [&] {
      if (!may_end(gate)) return false;
      at_end();
      return true;
    });
  }
  sg::test::RecordingTransport& inner_;
};

TEST_F(OutboxTest, AMessageEndsOnlyOnceTheOutcomesBeforeItAreRecorded) {
  // Outcomes are written while the next message is on its way, but none ends before them:
  // a crash leaves at most one email sent and not recorded, as when each outcome was awaited.
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(queue({"r" + std::to_string(i) + "@x.com"}));
  EndWatchingTransport watching(transport);
  std::vector<int> recorded_at_each_end;
  watching.at_end = [&] {
    int sent = 0;
    for (const auto& id : ids) sent += email(id).status == EmailStatus::Sent ? 1 : 0;
    recorded_at_each_end.push_back(sent);
  };
  OutboxWorker worker{outbox_stores(), gate, watching, tokens, clock, metrics, options()};
  EXPECT_EQ(4, worker.run_once());
  EXPECT_EQ((std::vector<int>{0, 1, 2, 3}), recorded_at_each_end);
  for (const auto& id : ids) EXPECT_EQ(EmailStatus::Sent, email(id).status) << "all recorded when the batch ends";
}

TEST_F(OutboxTest, AnOutcomeThatCannotBeRecordedAbandonsTheNextMessage) {
  // Given the first outcome's write failing, then the second message is written but never
  // ended: neither is recorded, and the lease's end brings both back.
  auto first = queue({"a@x.com"});
  auto second = queue({"b@x.com"});
  int finals = 0;
  outbox.on_final([&](const store::EmailRecord&) {
    if (finals++ == 0) throw std::runtime_error("disk full");
  });
  EXPECT_EQ(2, outbox.run_once());
  EXPECT_EQ(1u, transport.sent.size());
  EXPECT_EQ(1, finals);
  EXPECT_EQ(EmailStatus::Queued, email(first).status);
  EXPECT_EQ(EmailStatus::Queued, email(second).status);
}

// Delivers through the recording transport, each email taking a second of the fake clock,
// and runs `before_each` first.
class SlowTransport final : public mail::Transport {
 public:
  SlowTransport(sg::test::RecordingTransport& inner, sg::test::FakeClock& clock) : inner_(inner), clock_(clock) {}
  std::function<void()> before_each;

 private:
  mail::DeliveryResult send(const mail::SmtpEnvelope& envelope, std::string_view mime,
                            const EndGate& may_end) override {
    if (before_each) before_each();
    clock_.advance(Millis(1000));
    return inner_.deliver(envelope, mime, may_end);
  }

  sg::test::RecordingTransport& inner_;
  sg::test::FakeClock& clock_;
};

class SlowOutboxTest : public OutboxTest {
 protected:
  SlowTransport slow{transport, clock};
  OutboxWorker slow_outbox{outbox_stores(), gate, slow, tokens, clock, metrics, options()};
};

TEST_F(SlowOutboxTest, ASlowBatchIsReCheckedOncePerWindowNeverPerEmail) {
  for (int i = 0; i < 10; ++i) queue({"p" + std::to_string(i) + "@x.com"});
  marketo.asked.clear();  // the questions of acceptance
  EXPECT_EQ(10, slow_outbox.run_once());
  EXPECT_EQ(10u, transport.sent.size());
  // Three emails start within each 2 s window; later slices hold twice the two a window
  // measured (three in three seconds): slices of 10, 4, 4 and 1 addresses.
  std::vector<size_t> sizes;
  for (const auto& asked : marketo.asked) sizes.push_back(asked.size());
  EXPECT_EQ((std::vector<size_t>{10, 4, 4, 1}), sizes);
}

TEST_F(SlowOutboxTest, AnUnsubscribeDuringASlowBatchStopsTheEmailsOfLaterSlices) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(queue({"p" + std::to_string(i) + "@x.com"}));
  size_t delivered = 0;
  slow.before_each = [&] {
    if (++delivered == 2) marketo.unsubscribed = {"p5@x.com"};
  };
  slow_outbox.run_once();
  EXPECT_EQ(5u, transport.sent.size());
  EXPECT_EQ(EmailStatus::Failed, email(ids[5]).status);
  EXPECT_EQ("marketo_unsubscribed", email(ids[5]).reason);
}

TEST_F(SlowOutboxTest, AnAddressMarketoCannotAnswerForDoesNotLetTheOthersStartOnAnOldAnswer) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(queue({"p" + std::to_string(i) + "@x.com"}));
  marketo.unanswerable = {"p0@x.com"};  // its email is held; the others are still checked
  size_t delivered = 0;
  slow.before_each = [&] {
    if (++delivered == 2) marketo.unsubscribed = {"p5@x.com"};
  };
  slow_outbox.run_once();
  EXPECT_EQ(EmailStatus::Held, email(ids[0]).status);
  EXPECT_EQ(4u, transport.sent.size());
  EXPECT_EQ(EmailStatus::Failed, email(ids[5]).status);
  EXPECT_EQ("marketo_unsubscribed", email(ids[5]).reason);
}

// A lease of 3 s of the fake clock, renewed every second.
class LeasedOutboxTest : public OutboxTest {
 protected:
  OutboxOptions short_lease() {
    OutboxOptions o = options();
    o.lease = Millis(3000);
    o.heartbeat = Millis(1000);
    o.lease_margin = Millis(1000);
    return o;
  }
  // What another instance would claim now.
  std::vector<store::EmailRecord> claimed_by_another() {
    return store->emails().claim_due(clock.now(), Millis(3000), 10, "cl_another");
  }
  SlowTransport slow{transport, clock};
  OutboxWorker slow_outbox{outbox_stores(), gate, slow, tokens, clock, metrics, short_lease()};
};

TEST_F(LeasedOutboxTest, ABatchOutlastingItsLeaseKeepsItsEmailsWhileItsWorkerLives) {
  for (int i = 0; i < 8; ++i) queue({"p" + std::to_string(i) + "@x.com"});
  size_t taken_by_another = 0;
  slow.before_each = [&] { taken_by_another += claimed_by_another().size(); };
  EXPECT_EQ(8, slow_outbox.run_once());  // 8 s for a lease of 3 s
  EXPECT_EQ(0u, taken_by_another);
  EXPECT_EQ(8u, transport.sent.size());
}

TEST_F(LeasedOutboxTest, TheHeartbeatRenewsTheLeaseDuringADeliveryLongerThanIt) {
  queue({"a@x.com"});
  BatchLease lease(store->emails(), clock, Millis(3000), Millis(1));  // beats every real millisecond
  ASSERT_EQ(1u, lease.claim(10).size());
  const TimePoint first_end = lease.ends_at();
  clock.advance(Millis(2500));  // one delivery, still in hand
  for (int i = 0; i < 10000 && lease.ends_at() == first_end; ++i) std::this_thread::sleep_for(Millis(1));
  ASSERT_EQ(first_end + Millis(2500), lease.ends_at());
  clock.advance(Millis(1000));  // past the first lease
  EXPECT_TRUE(claimed_by_another().empty());
}

TEST_F(LeasedOutboxTest, TheEmailsOfAWorkerThatDiedAreDeliveredOnceItsLeaseRunsOut) {
  auto id = queue({"a@x.com"});
  {
    BatchLease dead(store->emails(), clock, Millis(3000), Millis(1000));
    ASSERT_EQ(1u, dead.claim(10).size());
  }  // killed: nothing renews its leases any more
  EXPECT_EQ(0, slow_outbox.run_once());
  clock.advance(Millis(3000));
  EXPECT_EQ(1, slow_outbox.run_once());
  EXPECT_EQ(EmailStatus::Sent, email(id).status);
}

TEST_F(LeasedOutboxTest, AWorkerPausedPastItsLeaseLeavesItsEmailsToTheInstanceThatTookThem) {
  for (int i = 0; i < 4; ++i) queue({"p" + std::to_string(i) + "@x.com"});
  size_t taken_by_another = 0;
  slow.before_each = [&] {
    if (!transport.sent.empty()) return;
    clock.advance(Millis(3000));  // paused with the first email on the wire
    taken_by_another = claimed_by_another().size();
  };
  EXPECT_EQ(4, slow_outbox.run_once());
  EXPECT_EQ(4u, taken_by_another);
  EXPECT_EQ(1u, transport.sent.size()) << "only the email on the wire goes twice";
  EXPECT_TRUE(store->emails().claim_due(clock.now(), Millis(3000), 10, "cl_third").empty())
      << "the other instance's leases are not given back by this worker";
}

TEST_F(OutboxTest, TemporaryFailureRetriesWithBackoffThenGivesUp) {
  auto id = queue({"a@x.com"});
  transport.failures = {mail::DeliveryStatus::TemporaryFailure, mail::DeliveryStatus::TemporaryFailure,
                        mail::DeliveryStatus::TemporaryFailure};
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Queued, email(id).status);
  EXPECT_EQ(clock.now() + Millis(1000), email(id).next_attempt_at);
  EXPECT_EQ(0, outbox.run_once());  // not due yet
  clock.advance(Millis(1000));
  outbox.run_once();
  EXPECT_EQ(clock.now() + Millis(2000), email(id).next_attempt_at);
  clock.advance(Millis(2000));
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Failed, email(id).status);
  EXPECT_TRUE(email(id).reason.starts_with("smtp_unavailable"));
}

TEST_F(OutboxTest, PermanentFailureFailsAtOnce) {
  auto id = queue({"a@x.com"});
  transport.failures = {mail::DeliveryStatus::PermanentFailure};
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Failed, email(id).status);
  EXPECT_EQ("smtp_rejected: simulated", email(id).reason);
}

TEST_F(OutboxTest, MarketoOutageHoldsThenReleases) {
  auto id = queue({"a@x.com"});
  marketo.failing = true;
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Held, email(id).status);
  EXPECT_TRUE(transport.sent.empty());
  clock.advance(Millis(1000));
  marketo.failing = false;
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Sent, email(id).status);
  EXPECT_EQ(1u, transport.sent.size());
}

TEST_F(OutboxTest, UnderTheSendPolicyARateLimitHoldsTheEmailInsteadOfSendingItUnverified) {
  store->settings().put(caller.team_id, {true, FailPolicy::Send}, clock.now());
  auto id = queue({"a@x.com"});
  marketo.failing = true;
  marketo.failure_code = "marketo_rate_limited";  // back within a window: the outbox can wait
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Held, email(id).status);
  EXPECT_TRUE(transport.sent.empty());
  marketo.failure_code = "marketo_unreachable";  // an outage: the team chose to send anyway
  clock.advance(Millis(1000));
  outbox.run_once();
  EXPECT_EQ(EmailStatus::Sent, email(id).status);
  EXPECT_TRUE(email(id).unverified);
}

TEST_F(OutboxTest, HeldTooLongFails) {
  auto id = queue({"a@x.com"});
  marketo.failing = true;
  for (int i = 0; i < 20 && (email(id).status == EmailStatus::Queued || email(id).status == EmailStatus::Held); ++i) {
    outbox.run_once();
    clock.advance(Millis(3000));
  }
  EXPECT_EQ(EmailStatus::Failed, email(id).status);
  EXPECT_EQ("check_unavailable", email(id).reason);
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(OutboxTest, RecipientsDeliveredBeforeACrashAreNotSentAgain) {
  auto id = queue({"a@x.com", "b@x.com"});
  store->emails().mark_delivered(id, {"a@x.com"});  // the first copy left before the crash
  outbox.run_once();
  EXPECT_EQ((std::vector<std::string>{"b@x.com"}), transport.recipients());
  EXPECT_EQ(EmailStatus::Sent, email(id).status);
}

TEST_F(OutboxTest, AnEmailDeliveredToEveryoneBeforeACrashIsFinishedWithoutAsking) {
  auto id = queue({"a@x.com", "b@x.com"});
  store->emails().mark_delivered(id, {"a@x.com", "b@x.com"});  // the crash came before it was marked sent
  marketo.asked.clear();
  EXPECT_EQ(1, outbox.run_once());
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_TRUE(marketo.asked.empty());
  EXPECT_EQ(EmailStatus::Sent, email(id).status);
}

}  // namespace
}  // namespace sg::sending::test
