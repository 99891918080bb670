#include "sending/smtp_intake.h"

#include <algorithm>

#include "core/email_address.h"
#include "mail/submitted_message.h"

namespace sg::sending {
namespace {

bool contains_key(const std::vector<std::string>& addresses, const std::string& key) {
  return std::any_of(addresses.begin(), addresses.end(),
                     [&](const std::string& a) { return lowercase_ascii(a) == key; });
}

// The envelope decides who receives the message; its headers only which list shows each
// recipient in the emails log: To:, else Cc:, else none (a Bcc).
SubmittedEmail by_header(const std::vector<std::string>& envelope, const mail::SubmittedMessage& message) {
  SubmittedEmail out;
  for (const auto& r : envelope) {
    std::string key = lowercase_ascii(r);
    if (contains_key(message.to, key)) out.to.push_back(r);
    else if (contains_key(message.cc, key)) out.cc.push_back(r);
    else out.bcc.push_back(r);
  }
  return out;
}

bool is_salesforce_bounce_address(const EmailAddress& address) {
  std::string_view key = address.key();
  std::string_view domain = key.substr(key.rfind('@') + 1);
  return domain == kSalesforceBounceDomain ||
         (domain.size() > kSalesforceBounceDomain.size() && domain.ends_with(kSalesforceBounceDomain) &&
          domain[domain.size() - kSalesforceBounceDomain.size() - 1] == '.');
}

}  // namespace

SmtpIntake::SmtpIntake(store::UserStore& users, settings::Accounts& accounts,
                       settings::RelayCredentials& relay_credentials, SendService& sending, Clock& clock,
                       std::string mail_domain)
    : users_(users), accounts_(accounts), relay_credentials_(relay_credentials), sending_(sending), clock_(clock),
      mail_domain_(std::move(mail_domain)) {}

Result<smtp::Login> SmtpIntake::authenticate(std::string_view username, std::string_view password,
                                             std::string_view client) {
  // Keyed as web sign-ins are: guesses at one account from one client, and from one client.
  std::string account = lowercase_ascii(username);
  std::string pair_key = "pair:" + std::string(client) + " " + account;
  std::string client_key = "client:" + std::string(client);
  if (Millis wait = throttle_.reserve({pair_key, client_key}, clock_.now()); wait.count() > 0)
    return settings::too_many_attempts(wait, "too many failed logins");

  std::optional<smtp::Login> login;
  // Another user's token fails just like a wrong one: a token proves only its own user.
  if (auto caller = accounts_.authenticate(std::string(password)); caller && lowercase_ascii(caller->email) == account)
    login = smtp::Login{caller->team_id, caller->user_id, std::string(username), std::nullopt};
  else if (auto credential = relay_credentials_.verify(username, password))
    login = smtp::Login{credential->team_id, "", std::string(username), credential->id};
  if (!login) return Error::unauthorized("the username or password is not right");
  throttle_.succeeded(pair_key);
  throttle_.refund(client_key);  // the client's other failures still count
  return *login;
}

Status SmtpIntake::may_send_as(const smtp::Login& login, std::string_view reverse_path) {
  if (login.relay_credential_id && reverse_path.empty()) return Status::success();
  auto address = EmailAddress::parse(reverse_path);
  if (!address)
    return Error::invalid("reverse_path", "the sender '" + std::string(reverse_path) + "' is not an email address");
  if (login.relay_credential_id && is_salesforce_bounce_address(*address)) return Status::success();
  auto sending_as = sender(login, address->original());
  if (!sending_as) return sending_as.error();
  return Status::success();
}

Result<Caller> SmtpIntake::sender(const smtp::Login& login, const std::string& from) {
  std::string key = lowercase_ascii(from);
  if (!login.relay_credential_id) {
    auto user = users_.find_by_id(login.user_id);
    if (!user) return Error::unauthorized("the user logged in no longer exists");
    if (lowercase_ascii(user->email) != key)
      return Error::forbidden(login.username + " may send only as " + user->email + ", not as " + from);
    return settings::caller_of(*user);
  }
  auto member = users_.find_by_email(key);
  if (!member || member->team_id != login.team_id)
    return Error::forbidden("relay credential " + login.username + " may send only as a member of its team, not as " +
                            from);
  return settings::caller_of(*member);
}

Result<std::string> SmtpIntake::submit(const smtp::Login& login, const smtp::Envelope& envelope, std::string message) {
  auto parsed = mail::read_submitted_message(message, mail_domain_, clock_.now());
  if (!parsed) return parsed.error();
  auto caller = sender(login, parsed->from);
  if (!caller) return caller.error();

  SubmittedEmail email = by_header(envelope.recipients, *parsed);
  email.source = login.relay_credential_id ? store::Source::Salesforce : store::Source::EmailClient;
  email.subject = std::move(parsed->subject);
  email.message_id = std::move(parsed->message_id);
  email.mime = std::move(parsed->mime);
  auto accepted = sending_.submit(*caller, email);
  if (!accepted) return accepted.error();
  return accepted->id;
}

}  // namespace sg::sending
