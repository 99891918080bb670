// OutboxWorker: delivers queued emails. A dispatcher thread leases a batch of due emails
// (up to 300, one Marketo batch) and delivers it in slices (delivery_slices.h): the gate is
// asked about all the recipients of a slice at once, just before the slice is handed to
// `workers` threads, and an email starts only while that answer is at most precheck_reuse
// old; the emails a slice could not start in time join the next slice's check. Each email
// goes to each remaining recipient through the Transport and ends sent / failed /
// suppressed / held. The batch's lease is short and renewed while the worker lives
// (batch_lease.h); a lease that runs out (crash, kill -9) makes the email due again, for
// this or another instance; recipients already handed to the relay are remembered, so at
// most those on the wire at a crash are sent twice. Outcomes are written by an
// OutcomeQueue while the thread goes on to its next email, whose message ends only once
// they are recorded: still one email per thread unrecorded at most. A message submitted
// over SMTP is delivered as written, and its sender gets a delivery status notification
// when the delivery-time check stops it.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/background_loop.h"
#include "core/clock.h"
#include "core/fate.h"
#include "crypto/unsubscribe_token.h"
#include "gate/unsubscribe_gate.h"
#include "mail/transport.h"
#include "obs/metrics.h"
#include "sending/batch_lease.h"
#include "sending/delivery_slices.h"
#include "sending/outcome_queue.h"
#include "sending/undelivered_report.h"
#include "store/stores.h"

namespace sg::sending {

struct OutboxOptions {
  int workers = 4;                    // emails delivered in parallel
  int claim_batch = 300;
  // How long a dead worker's emails wait before another takes them; renewed every
  // `heartbeat` while the worker lives, however long a delivery takes.
  Millis lease{30 * 1000};
  Millis heartbeat{10 * 1000};
  // An email starts only while the lease in hand lasts this much longer; less than
  // lease - heartbeat, so that only renewals failing (the database away) stop a batch.
  Millis lease_margin{10 * 1000};
  Millis precheck_reuse{2000};         // a slice's answer counts as "just before delivery" this long
  Millis idle_poll{500};
  int max_delivery_attempts = 8;      // temporary SMTP failures before giving up
  Millis retry_base{5000};            // first retry delay; doubles per attempt
  Millis retry_max{10 * 60 * 1000};
  Millis hold_retry_base{10000};      // first re-check of a held email; doubles
  Millis hold_retry_max{5 * 60 * 1000};
  Millis max_hold{72LL * 3600 * 1000};
  std::string public_url = "http://127.0.0.1:8080";  // base of List-Unsubscribe links
  std::string mail_domain = "sendguard.local";        // reports delivery failures to SMTP senders
};

// The repositories an OutboxWorker uses.
struct OutboxWorkerStores {
  store::EmailStore& emails;
  store::SettingsStore& settings;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class OutboxWorker {
 public:
  OutboxWorker(OutboxWorkerStores stores, gate::UnsubscribeGate& gate, mail::Transport& transport,
               const crypto::UnsubscribeTokens& tokens, Clock& clock, Metrics& metrics,
               OutboxOptions options);
  ~OutboxWorker();

  void start();
  void stop();   // waits for in-flight deliveries to finish
  void wake() { loop_.wake(); }  // new work arrived

  // Claims and processes one batch of due emails; returns how many. For tests.
  int run_once();
  // Told of every email that reaches a final state, inside the transaction recording it.
  void on_final(std::function<void(const store::EmailRecord&)> hook) { on_final_ = std::move(hook); }

 private:
  struct Prechecked {
    std::map<std::string, gate::GateAnswer> by_team;
    TimePoint at{};  // when the answers came
    const gate::GateAnswer& answer_for(const std::string& team_id) const;
  };
  // What stops an email from being delivered on `answer`: a final fate, else holding.
  struct Stop {
    Fate fate;
    std::string reason;
    std::vector<StoppedRecipient> stopped_by;  // for a final fate: each recipient refused
  };
  static std::optional<Stop> stop_of(const store::EmailRecord& email, const gate::GateAnswer& answer);
  // An outcome a delivery thread handed to outcomes_, not yet known recorded.
  struct Pending {
    std::future<bool> recorded;
    std::string email_id;
    EmailStatus status;
    std::string reason;
  };
  using PendingOutcomes = std::vector<Pending>;  // one delivery thread's
  // Waits for the thread's pending outcomes; true when each was recorded.
  bool settle(PendingOutcomes& pending);
  // Delivers (or, when may_start() says no, hands back) the emails of `slice` that can
  // start on its answer; returns how many it took.
  size_t deliver_slice(std::span<store::EmailRecord> slice, BatchLease& lease, SliceSizer& sizer);
  // Whether an email of the batch may start now: not stopping, and the lease (renewed
  // first if due) not about to run out, so that no email is still being delivered when
  // another instance may take it over.
  bool may_start(BatchLease& lease);
  Prechecked precheck(std::span<const store::EmailRecord> slice);
  // Delivers `email`, held under `claim`, on `answer` unless `stop` (stop_of the two)
  // says otherwise.
  void process(store::EmailRecord email, const std::string& claim, const gate::GateAnswer& answer,
               std::optional<Stop> stop, PendingOutcomes& pending);
  void deliver(store::EmailRecord& email, const std::string& claim, const std::vector<std::string>& recipients,
               PendingOutcomes& pending);
  // The List-Unsubscribe link of `recipient`'s copy.
  std::string unsubscribe_url(const store::EmailRecord& email, const std::string& recipient) const;
  // Tells the sender of an email submitted over SMTP (`submitted_mime`) that `stop` ended it.
  void report_undelivered(const store::EmailRecord& email, const std::string& submitted_mime, const Stop& stop,
                          PendingOutcomes& pending);
  // Hands the email's final outcome to outcomes_.
  void finish(store::EmailRecord& email, const std::string& claim, EmailStatus status, std::string reason,
              PendingOutcomes& pending);
  void hold(store::EmailRecord& email, const std::string& claim, const gate::GateAnswer& answer,
            PendingOutcomes& pending);
  // Writes the email's outcome unless its lease ran out and another batch took it over
  // (then says so in the log and returns false).
  bool record(const store::EmailRecord& email, const std::string& claim);

  OutboxWorkerStores stores_;
  gate::UnsubscribeGate& gate_;
  mail::Transport& transport_;
  const crypto::UnsubscribeTokens& tokens_;
  Clock& clock_;
  Metrics& metrics_;
  const OutboxOptions options_;

  std::atomic<bool> stop_requested_{false};
  std::function<void(const store::EmailRecord&)> on_final_;  // set before start()
  OutcomeQueue outcomes_;
  BackgroundLoop loop_;  // last: stopped before the members its rounds use are destroyed
};

}  // namespace sg::sending
