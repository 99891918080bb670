// A message as a mail client or Salesforce submitted it over SMTP, read with GMime: who
// it says it is from, whom its headers show, its subject, and the copy to deliver.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sg::mail {

// RFC 5322 2.1.1: no line of a message may exceed 998 octets before its CRLF.
inline constexpr size_t kMaxLineOctets = 998;

struct SubmittedMessage {
  std::string from;                 // the address of the one mailbox in From:
  std::vector<std::string> to, cc;  // the addresses To: and Cc: show (Bcc: is gone)
  std::string subject;              // RFC 2047 decoded; always valid UTF-8, at most 998 bytes
  std::string message_id;           // "<id@domain>": the message's own, else the one added
  std::string mime;                 // as submitted, minus Bcc:, plus Message-ID / Date when missing
};

// Errors: invalid_request when GMime cannot read a message from `raw`, a header line is
// over 998 octets, or From: is not exactly one mailbox. A missing Message-ID becomes
// "<random@mail_domain>" and a missing Date `now`. Thread-safe.
Result<SubmittedMessage> read_submitted_message(std::string_view raw, std::string_view mail_domain, TimePoint now);

// The header section of a message (without the blank line ending it), CRLF line ends;
// empty when GMime cannot read it. For the text/rfc822-headers part of a delivery report.
std::string header_section(std::string_view mime);

}  // namespace sg::mail
