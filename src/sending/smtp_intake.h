// SmtpIntake: what becomes of an SMTP submission. A login is a user (their email and one
// of their API tokens) or a team's relay credential; a user sends only as themselves, a
// relay credential as any member of its team; the message then passes the same gate,
// fail policy, records and outbox as POST /emails through SendService::submit, and is
// delivered as written. Thread-safe; collaborators must outlive it.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "sending/send_service.h"
#include "settings/accounts.h"
#include "settings/login_throttle.h"
#include "settings/relay_credentials.h"
#include "smtp/submission.h"
#include "store/stores.h"

namespace sg::sending {

// The envelope senders Salesforce Email Relay uses with bounce management on: a VERP
// address under this domain (e.g. "ann=acme.com__0-1abc@12x.bnc.salesforce.com").
inline constexpr std::string_view kSalesforceBounceDomain = "bnc.salesforce.com";

class SmtpIntake final : public smtp::Submission {
 public:
  // `mail_domain` names the Message-IDs added to messages without one.
  SmtpIntake(store::UserStore& users, settings::Accounts& accounts, settings::RelayCredentials& relay_credentials,
             SendService& sending, Clock& clock, std::string mail_domain);

  Result<smtp::Login> authenticate(std::string_view username, std::string_view password,
                                   std::string_view client) override;
  // A user: their own address only. A relay credential: a current member's address, the
  // null sender, or an address at (a subdomain of) kSalesforceBounceDomain.
  Status may_send_as(const smtp::Login& login, std::string_view reverse_path) override;
  Result<std::string> submit(const smtp::Login& login, const smtp::Envelope& envelope, std::string message) override;

 private:
  // The member `login` sends as when From: names `from`; forbidden otherwise.
  Result<Caller> sender(const smtp::Login& login, const std::string& from);

  store::UserStore& users_;
  settings::Accounts& accounts_;
  settings::RelayCredentials& relay_credentials_;
  SendService& sending_;
  Clock& clock_;
  const std::string mail_domain_;
  settings::LoginThrottle throttle_;
};

}  // namespace sg::sending
