// BulkSendService: select & send (one personalized email per person; unsubscribed ones
// recorded failed) and group email (unsubscribed ones silently dropped, recorded
// suppressed). One gate call for the whole request (batched by 300), one transaction for
// every email it creates: a request is accepted or refused whole. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/caller.h"
#include "core/clock.h"
#include "gate/unsubscribe_gate.h"
#include "obs/metrics.h"
#include "sending/send_service.h"
#include "store/stores.h"

namespace sg::sending {

struct BulkRecipient {
  std::string email;
  std::map<std::string, std::string> vars;
};

struct BulkRequest {
  Workflow mode = Workflow::SelectAndSend;
  store::Source source = store::Source::WebApp;
  std::vector<BulkRecipient> recipients;
  std::string subject, text, html;
  std::optional<std::string> idempotency_key;
};

struct BulkEmail {
  std::string email, id;
  EmailStatus status = EmailStatus::Queued;
  std::string reason;
};

struct BulkAccepted {
  std::string id;
  std::vector<BulkEmail> emails;  // group: silently dropped recipients are left out
};

// The repositories a BulkSendService uses.
struct BulkSendServiceStores {
  store::EmailStore& emails;
  store::IdempotencyStore& idempotency;
  store::SettingsStore& settings;
  store::AuditStore& audit;
  store::Transactions& tx;
};

class BulkSendService {
 public:
  static constexpr size_t kMaxRecipients = 10000;

  BulkSendService(BulkSendServiceStores stores, gate::UnsubscribeGate& gate, Clock& clock, Metrics& metrics,
                  SendOptions options, std::function<void()> wake_outbox);

  // Errors: invalid_request (field names the recipient index), idempotency_key_reused.
  Result<BulkAccepted> send(const Caller& caller, const BulkRequest& request);

 private:
  BulkSendServiceStores stores_;
  gate::UnsubscribeGate& gate_;
  Clock& clock_;
  Metrics& metrics_;
  const SendOptions options_;
  std::function<void()> wake_outbox_;
};

}  // namespace sg::sending
