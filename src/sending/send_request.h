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
