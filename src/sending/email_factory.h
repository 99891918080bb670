// New outbox records: one place that fills in ids, Message-ID and timestamps.
#pragma once

#include <string>

#include "core/caller.h"
#include "store/records.h"

namespace sg::sending {

struct EmailContent {
  std::vector<std::string> to, cc, bcc;
  std::string subject, text, html;
};

// A queued email from `caller`, due now; callers adjust status and links as needed.
store::EmailRecord new_email(const Caller& caller, Workflow workflow, store::Source source,
                             EmailContent content, const std::string& mail_domain, TimePoint now);

}  // namespace sg::sending
