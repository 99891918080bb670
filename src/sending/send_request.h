// What a person or integration asks to send, as parsed from the API but not yet
// validated, and what the service answers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/email_status.h"
#include "core/workflow.h"
#include "store/send_source.h"

namespace sg::sending {

struct SendRequest {
  Workflow workflow = Workflow::Individual;
  store::Source source = store::Source::Api;
  std::vector<std::string> to, cc, bcc;
  std::string subject, text, html;
  std::optional<std::string> idempotency_key;
};

// A message submitted over SMTP, read from its MIME: it is delivered as written, so the
// service only checks, records and queues it.
struct SubmittedEmail {
  store::Source source = store::Source::EmailClient;
  std::vector<std::string> to, cc, bcc;  // the envelope's recipients, by the header showing each
  std::string subject;
  std::string message_id;  // "<id@domain>", as in the message
  std::string mime;        // the message to deliver, Bcc: removed
};

struct SendAccepted {
  std::string id;
  EmailStatus status = EmailStatus::Queued;
};

struct CheckResult {
  std::string email;  // as given
  bool allowed = true;
  std::string reason;  // empty when allowed
};


}  // namespace sg::sending
