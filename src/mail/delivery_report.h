// A delivery status notification (RFC 3464): a multipart/report telling a message's
// sender which recipients it did not reach and why, in words and in the
// message/delivery-status fields a mail client reads, with the original message's headers.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"

namespace sg::mail {

struct UndeliveredRecipient {
  std::string address;
  std::string diagnostic;  // why, e.g. "550 5.7.1 recipient unsubscribed (marketo_unsubscribed)"
};

struct DeliveryReport {
  std::string reporting_mta;     // this server's host name
  std::string from;              // the report's sender, e.g. "mailer-daemon@<reporting_mta>"
  std::string to;                // the sender of the message not delivered
  std::string message_id;        // the report's own, "<id@domain>"
  TimePoint date;
  std::string explanation;       // the human-readable part, UTF-8
  std::vector<UndeliveredRecipient> recipients;
  std::string original_headers;  // the header section of the message not delivered
};

// The report as RFC 5322 text with CRLF line ends; every recipient gets Action: failed
// and Status: 5.7.1 (delivery not authorised). Thread-safe.
std::string render_delivery_report(const DeliveryReport& report);

}  // namespace sg::mail
