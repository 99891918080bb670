#include "sending/undelivered_report.h"

#include "crypto/tokens.h"
#include "mail/submitted_message.h"

namespace sg::sending {
namespace {

std::string listed(const std::vector<std::string>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += "  " + a + "\n";
  return out;
}

std::string listed(const std::vector<StoppedRecipient>& stopped) {
  std::string out;
  for (const auto& r : stopped) out += "  " + r.address + " (" + r.reason + ")\n";
  return out;
}

}  // namespace

mail::DeliveryReport undelivered_report(const store::EmailRecord& email, std::string_view submitted_mime,
                                        const std::vector<StoppedRecipient>& stopped_by,
                                        const std::string& mail_domain, TimePoint now) {
  mail::DeliveryReport report;
  report.reporting_mta = mail_domain;
  report.from = "mailer-daemon@" + mail_domain;
  report.to = email.from;
  report.message_id = "<" + crypto::random_id("dsn_") + "@" + mail_domain + ">";
  report.date = now;
  for (const auto& r : stopped_by)
    report.recipients.push_back({r.address, "550 5.7.1 recipient unsubscribed since the message was accepted (" +
                                                r.reason + ")"});
  report.explanation = "Your message \"" + email.subject + "\" was stopped: before it went out, Sendguard\n"
                       "found that these recipients had unsubscribed since you sent it:\n\n" +
                       listed(stopped_by) +
                       "\nA message goes to all its recipients or to none, so it was not sent to the others\n"
                       "either. Remove these recipients and send it again.\n";
  // After a crash some copies may have gone out before the check stopped the rest.
  if (!email.delivered.empty())
    report.explanation += "\nIt had already been delivered to:\n\n" + listed(email.delivered);
  report.original_headers = mail::header_section(submitted_mime);
  return report;
}

}  // namespace sg::sending
