// The delivery status notification an SMTP-submitted email's sender gets when the
// delivery-time check stops it (a recipient unsubscribed after it was accepted), so that
// the failure shows in their own mailbox as well as in Emails.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "mail/delivery_report.h"
#include "store/records.h"

namespace sg::sending {

// A recipient the delivery-time check refused, and the verdict's reason.
struct StoppedRecipient {
  std::string address;
  std::string reason;  // e.g. "marketo_unsubscribed"
};

// The report to `email.from` naming `stopped_by`, about the message `submitted_mime`;
// from the mailer-daemon of `mail_domain`.
mail::DeliveryReport undelivered_report(const store::EmailRecord& email, std::string_view submitted_mime,
                                        const std::vector<StoppedRecipient>& stopped_by,
                                        const std::string& mail_domain, TimePoint now);

}  // namespace sg::sending
