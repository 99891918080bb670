#include "sending/undelivered_report.h"

#include "crypto/tokens.h"
#include "mail/submitted_message.h"

namespace sg::sending {

mail::DeliveryReport undelivered_report(const store::EmailRecord& email, std::string_view submitted_mime,
                                        const std::vector<std::string>& stopped_by, std::string_view reason,
                                        const std::string& mail_domain, TimePoint now) {
  mail::DeliveryReport report;
  report.reporting_mta = mail_domain;
  report.from = "mailer-daemon@" + mail_domain;
  report.to = email.from;
  report.message_id = "<" + crypto::random_id("dsn_") + "@" + mail_domain + ">";
  report.date = now;
  std::string names;
  for (const auto& r : stopped_by) {
    names += "  " + r + "\n";
    report.recipients.push_back({r, "550 5.7.1 recipient unsubscribed since the message was accepted (" +
                                        std::string(reason) + ")"});
  }
  report.explanation = "Your message \"" + email.subject +
                       "\" was not sent to anyone: before it went out, Sendguard found that\n"
                       "these recipients had unsubscribed since you sent it:\n\n" +
                       names + "\nReason: " + std::string(reason) +
                       "\n\nA message goes to all its recipients or to none, so nobody received it.\n"
                       "Remove these recipients and send it again.\n";
  report.original_headers = mail::header_section(submitted_mime);
  return report;
}

}  // namespace sg::sending
