// ReplyPolicy: MARKETO.md's error table as one pure function from the outcome of one HTTP
// attempt to what the caller does next, the error to report if that ends the call, and
// the metric result it counts as.
#pragma once

#include <string>

#include "core/result.h"
#include "marketo/reply_envelope.h"
#include "net/http_client.h"

namespace sg::marketo {

enum class Next {
  use,             // success: envelope holds the reply
  renew_token,     // 601/602: renew the token and retry once
  retry,           // transient (604, 608, 611, 614, 713, 502-504, transport, garbage): back off
  retry_slower,    // too many calls at once (615, HTTP 429): back off, and hold the instance back too
  wait_window,     // 606: the rolling window is full, and a call within it fails again: hold
                   // the instance back a whole window
  stop_for_today,  // 607: no more calls to the instance until midnight US Central
  fail,            // 603, bugs, unknown codes, other HTTP statuses
};

struct ReplyVerdict {
  Next next = Next::fail;
  std::string metric_result;  // "success", "<code>", "http_<status>", "transport", "invalid_response"
  Error error;                // returned when this ends the call (for retries: when attempts run out)
  ReplyEnvelope envelope;     // Next::use only
  std::string file;           // Next::use of judge_file_reply only: the body as sent
};

ReplyVerdict judge_reply(const Result<net::Response>& reply);
// For calls that answer with a file (a bulk export's CSV): a 200 whose body is not a JSON
// object is the file; anything else is judged as judge_reply does, and a successful
// envelope where a file was due is an error.
ReplyVerdict judge_file_reply(const Result<net::Response>& reply);

}  // namespace sg::marketo
