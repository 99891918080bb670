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

// The report to `email.from` naming `stopped_by` (the recipients the check refused, for
// `reason`), about the message `submitted_mime`; from the postmaster of `mail_domain`.
mail::DeliveryReport undelivered_report(const store::EmailRecord& email, std::string_view submitted_mime,
                                        const std::vector<std::string>& stopped_by, std::string_view reason,
                                        const std::string& mail_domain, TimePoint now);

}  // namespace sg::sending
