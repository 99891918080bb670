// SendService: the interactive send path. Validates a request, runs the gate over
// every recipient, and either refuses it (recorded as a blocked email) or queues it in
// the outbox, all in one transaction with its idempotency key. Also the pre-send check
// and reading the emails log. Thread-safe; collaborators must outlive it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "core/email_address.h"
#include "core/result.h"
#include "gate/unsubscribe_gate.h"
#include "obs/metrics.h"
#include "sending/idempotency.h"
#include "sending/send_request.h"
#include "settings/settings_cache.h"
#include "store/stores.h"

namespace sg::sending {

struct SendOptions {
  size_t max_recipients = 1000;     // per email (to + cc + bcc) and per check
  size_t max_subject_bytes = 998;
  // A bulk send renders every email before storing any: this bounds that memory.
  size_t max_bulk_rendered_bytes = 128 * 1024 * 1024;
  std::string mail_domain = "sendguard.local";  // right side of Message-IDs
};

struct EmailPage {
  std::vector<store::EmailRecord> emails;
  std::optional<std::string> next_cursor;
};

struct ListQuery {
  std::optional<std::string> status, workflow, cursor;
  std::optional<int> limit;
};

// The repositories a SendService uses.
struct SendServiceStores {
  store::EmailStore& emails;
  store::IdempotencyStore& idempotency;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class SendService {
 public:
  // `settings` answers each team's policy; TeamSettings tells it of changes.
  SendService(SendServiceStores stores, settings::SettingsCache& settings, gate::UnsubscribeGate& gate, Clock& clock,
              Metrics& metrics, SendOptions options, std::function<void()> wake_outbox);

  using Checks = Result<std::vector<CheckResult>>;
  // Errors: invalid_request, unsubscribe_check_unavailable.
  Checks check(const Caller& caller, const std::vector<std::string>& recipients);
  // The same answer when memory alone gives it (the team's settings cached, and the gate's
  // check_from_memory), without waiting on the database or Marketo: for answering on a
  // thread that must not block. nullopt: ask check().
  std::optional<Checks> check_from_memory(const Caller& caller, const std::vector<std::string>& recipients);
  // Errors: invalid_request, recipient_unsubscribed (with recipients),
  // unsubscribe_check_unavailable, idempotency_key_reused.
  Result<SendAccepted> send(const Caller& caller, const SendRequest& request);
  // The same gate, fail policy, record and outbox for a message submitted over SMTP
  // (workflow individual); a queued email keeps its MIME for delivery, stored with it.
  // Errors: invalid_request, recipient_unsubscribed (with recipients),
  // unsubscribe_check_unavailable.
  Result<SendAccepted> submit(const Caller& caller, const SubmittedEmail& message);

  Result<store::EmailRecord> get(const Caller& caller, const std::string& id);
  Result<EmailPage> list(const Caller& caller, const ListQuery& query);

  gate::TeamPolicy policy_of(const std::string& team_id);

 private:
  // The check of `recipients` with `ask` for the gate's answer once they are valid; nullopt
  // when `ask` gave none.
  using Asker = std::function<std::optional<gate::GateAnswer>(const std::vector<std::string>& keys)>;
  std::optional<Checks> check_with(const std::vector<std::string>& recipients, const Asker& ask);
  Result<SendAccepted> decide_and_record(const Caller& caller, const SendRequest& request,
                                         const IdempotencyKey& key);
  // Asks the gate about `recipients` (the email's, parsed) and records `email` with its fate.
  Result<SendAccepted> decide_and_record(const Caller& caller, const std::vector<EmailAddress>& recipients,
                                         store::EmailRecord email, const IdempotencyKey& key,
                                         const std::string* mime);
  // Stores `email` (and a queued one's `mime`, when given) with the key's answer (when
  // `remembered`) in one transaction, then wakes the outbox for a queued email; unless the
  // key's twin got there first: then the twin's answer is the result.
  Result<SendAccepted> record(const Caller& caller, const IdempotencyKey& key, const store::EmailRecord& email,
                              const std::string* mime, const Result<SendAccepted>& result, bool remembered,
                              TimePoint now);

  SendServiceStores stores_;
  settings::SettingsCache& settings_;
  gate::UnsubscribeGate& gate_;
  Clock& clock_;
  Metrics& metrics_;
  const SendOptions options_;
  std::function<void()> wake_outbox_;
};

}  // namespace sg::sending
