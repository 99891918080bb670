#include "sending/email_factory.h"

#include "crypto/tokens.h"

namespace sg::sending {

store::EmailRecord new_email(const Caller& caller, Workflow workflow, store::Source source,
                             EmailContent content, const std::string& mail_domain, TimePoint now) {
  store::EmailRecord email;
  email.id = crypto::random_id("em_");
  email.team_id = caller.team_id;
  email.user_id = caller.user_id;
  email.workflow = workflow;
  email.source = source;
  email.from = caller.email;
  email.to = std::move(content.to);
  email.cc = std::move(content.cc);
  email.bcc = std::move(content.bcc);
  email.subject = std::move(content.subject);
  email.text = std::move(content.text);
  email.html = std::move(content.html);
  email.message_id = "<" + email.id + "@" + mail_domain + ">";
  email.created_at = email.next_attempt_at = now;
  return email;
}

}  // namespace sg::sending
