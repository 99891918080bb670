// The one mapping from what Submission answers to the SMTP reply a client sees (API.md,
// "SMTP submission"): a refusal names the unsubscribed addresses, a check that cannot be
// made is a temporary failure so the client's queue retries, anything unknown is 451.
#pragma once

#include <string>

#include "core/result.h"
#include "smtp/reply.h"

namespace sg::smtp {

Reply reply_for(const Error& error);
// 250 for a queued message, naming the email's id.
Reply accepted(const std::string& email_id);

}  // namespace sg::smtp
