#include "sending/send_service.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/fate.h"
#include "crypto/tokens.h"
#include "sending/email_factory.h"
#include "sending/idempotent_answer.h"
#include "sending/idempotency.h"
#include "sending/send_validation.h"
#include "sending/team_policy.h"

namespace sg::sending {
namespace json = boost::json;
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 200;

// Every recipient of an email (to, then cc, then bcc), parsed; `count_field` is blamed
// when there are too many.
Result<std::vector<EmailAddress>> parse_recipients(const std::vector<std::string>& to,
                                                   const std::vector<std::string>& cc,
                                                   const std::vector<std::string>& bcc,
                                                   const std::string& count_field, const SendOptions& options) {
  if (to.size() + cc.size() + bcc.size() > options.max_recipients)
    return Error::invalid(count_field, "an email may have at most " + std::to_string(options.max_recipients) +
                                           " recipients in to, cc and bcc together");
  std::vector<EmailAddress> out;
  for (const auto& [field, list] : {std::pair{"to", &to}, {"cc", &cc}, {"bcc", &bcc}}) {
    auto parsed = parse_addresses(field, *list);
    if (!parsed) return parsed.error();
    for (auto& a : *parsed) out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<EmailAddress>> validate(const SendRequest& r, const SendOptions& options) {
  if (!is_interactive(r.workflow))
    return Error::invalid("workflow", "workflow must be \"individual\" or \"plugin\"");
  if (r.to.empty()) return Error::invalid("to", "to must list at least one recipient");
  auto recipients = parse_recipients(r.to, r.cc, r.bcc, "to", options);
  if (!recipients) return recipients.error();
  if (Status s = check_header_value("subject", r.subject, options.max_subject_bytes); !s) return s.error();
  if (Status s = check_utf8("text", r.text); !s) return s.error();
  if (Status s = check_utf8("html", r.html); !s) return s.error();
  return recipients;
}

// The subject was read from the message (valid UTF-8, one header line's worth).
Result<std::vector<EmailAddress>> validate(const SubmittedEmail& m, const SendOptions& options) {
  if (m.to.empty() && m.cc.empty() && m.bcc.empty())
    return Error::invalid("recipients", "a message needs at least one recipient");
  return parse_recipients(m.to, m.cc, m.bcc, "recipients", options);
}

// The whole email shares one fate: refused if any recipient refuses it.
struct Judgement {
  std::vector<std::string> refused;
  Verdict deciding;  // of a refused recipient, naming the email's reason
  bool unavailable = false;
};

Judgement judge(Workflow workflow, const std::vector<EmailAddress>& recipients, const gate::GateAnswer& answer) {
  Judgement j;
  for (const auto& a : recipients) {
    Verdict v = answer.verdict(a.key());
    switch (fate(workflow, v.finding, Stage::Request).refusal) {
      case Refusal::None: break;
      case Refusal::Unsubscribed:
        if (std::find(j.refused.begin(), j.refused.end(), a.original()) == j.refused.end())
          j.refused.push_back(a.original());
        if (j.deciding.reason.empty() || v.source_rank > j.deciding.source_rank) j.deciding = v;
        break;
      case Refusal::Unavailable: j.unavailable = true; break;
    }
  }
  return j;
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string encode_cursor(const store::EmailRecord& last) {
  return crypto::base64url(std::to_string(to_unix_millis(last.created_at)) + ":" + last.id);
}

std::optional<std::pair<int64_t, std::string>> decode_cursor(const std::string& cursor) {
  std::string text = crypto::base64url_decode(cursor);
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  try {
    return std::pair{std::stoll(text.substr(0, colon)), text.substr(colon + 1)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

SendService::SendService(SendServiceStores stores, settings::SettingsCache& settings, gate::UnsubscribeGate& gate,
                         Clock& clock, Metrics& metrics, SendOptions options, std::function<void()> wake_outbox)
    : stores_(stores), settings_(settings), gate_(gate), clock_(clock), metrics_(metrics), options_(std::move(options)),
      wake_outbox_(std::move(wake_outbox)) {
  metrics_.describe("sendguard_emails_total", "counter", "Emails recorded, by status at acceptance");
}

gate::TeamPolicy SendService::policy_of(const std::string& team_id) {
  return team_policy(settings_.get(team_id));
}

SendService::Checks SendService::check(const Caller& caller, const std::vector<std::string>& recipients) {
  return *check_with(recipients,
                     [&](const auto& keys) { return gate_.check(caller.team_id, policy_of(caller.team_id), keys); });
}

std::optional<SendService::Checks> SendService::check_from_memory(
    const Caller& caller, const std::vector<std::string>& recipients) {
  auto settings = settings_.known(caller.team_id);
  if (!settings) return std::nullopt;
  return check_with(recipients, [&](const auto& keys) {
    return gate_.check_from_memory(caller.team_id, team_policy(*settings), keys);
  });
}

std::optional<SendService::Checks> SendService::check_with(const std::vector<std::string>& recipients,
                                                          const Asker& ask) {
  if (recipients.empty()) return Checks(Error::invalid("recipients", "recipients must list at least one address"));
  if (recipients.size() > options_.max_recipients)
    return Checks(Error::invalid("recipients", "at most " + std::to_string(options_.max_recipients) +
                                                   " recipients may be checked at once"));
  auto parsed = parse_addresses("recipients", recipients);
  if (!parsed) return Checks(parsed.error());
  std::vector<std::string> keys;
  for (const auto& a : *parsed) keys.push_back(a.key());

  auto answer = ask(keys);
  if (!answer) return std::nullopt;
  std::vector<CheckResult> out;
  for (size_t i = 0; i < parsed->size(); ++i) {
    Verdict v = answer->verdict(keys[i]);
    if (v.finding == Finding::Unverified)
      return Checks(Error::make(errc::unsubscribe_check_unavailable, "could not verify unsubscribe status with " +
                                                                         answer->unavailable_source + ": " +
                                                                         answer->unavailable_detail));
    out.push_back({recipients[i], v.allowed(), std::string(v.reason)});
  }
  return Checks(std::move(out));
}

Result<SendAccepted> SendService::send(const Caller& caller, const SendRequest& request) {
  auto key = IdempotencyKey::open(stores_.idempotency, caller.user_id, request.idempotency_key, kSingleSendKeys,
                                  [&] { return request_digest(request); });
  if (!key) return key.error();
  if (auto seen = key->earlier()) {
    if (!*seen) return seen->error();
    return replay(**seen);
  }
  return decide_and_record(caller, request, *key);
}

Result<SendAccepted> SendService::submit(const Caller& caller, const SubmittedEmail& message) {
  auto recipients = validate(message, options_);
  if (!recipients) return recipients.error();
  // Without an idempotency key: a mail client retries only what was not accepted.
  auto key = IdempotencyKey::open(stores_.idempotency, caller.user_id, std::nullopt, kSingleSendKeys,
                                  [] { return std::string(); });
  if (!key) return key.error();
  store::EmailRecord email = new_email(caller, Workflow::Individual, message.source,
                                       {message.to, message.cc, message.bcc, message.subject, "", ""},
                                       options_.mail_domain, clock_.now());
  email.message_id = message.message_id;
  return decide_and_record(caller, *recipients, std::move(email), *key, &message.mime);
}

Result<SendAccepted> SendService::decide_and_record(const Caller& caller, const SendRequest& request,
                                                    const IdempotencyKey& key) {
  auto recipients = validate(request, options_);
  if (!recipients) return recipients.error();
  store::EmailRecord email = new_email(
      caller, request.workflow, request.source,
      {request.to, request.cc, request.bcc, request.subject, request.text, request.html},
      options_.mail_domain, clock_.now());
  return decide_and_record(caller, *recipients, std::move(email), key, nullptr);
}

Result<SendAccepted> SendService::decide_and_record(const Caller& caller, const std::vector<EmailAddress>& recipients,
                                                    store::EmailRecord email, const IdempotencyKey& key,
                                                    const std::string* mime) {
  std::vector<std::string> keys;
  for (const auto& a : recipients) keys.push_back(a.key());
  auto answer = gate_.check(caller.team_id, policy_of(caller.team_id), keys);

  auto [refused, deciding, unavailable] = judge(email.workflow, recipients, answer);

  TimePoint now = clock_.now();
  email.unverified = !answer.unverified_allowed.empty();

  Result<SendAccepted> result = SendAccepted{email.id, EmailStatus::Queued};
  if (!refused.empty()) {
    email.status = fate(email.workflow, Finding::Unsubscribed, Stage::Request).status;
    email.reason = deciding.reason;
    result = Error::make(errc::recipient_unsubscribed, "not sent: unsubscribed recipient(s): " + names(refused))
                 .about(refused);
  } else if (unavailable) {
    email.status = fate(email.workflow, Finding::Unverified, Stage::Request).status;
    email.reason = kCheckUnavailable;
    result = Error::make(errc::unsubscribe_check_unavailable,
                         "not sent: could not verify unsubscribe status with " + answer.unavailable_source + " (" +
                             answer.unavailable_detail + "); try again later");
  }

  // A 503 is not remembered: the same key may be retried once Marketo answers.
  return record(caller, key, email, mime, result, !unavailable || !refused.empty(), now);
}

Result<SendAccepted> SendService::record(const Caller& caller, const IdempotencyKey& key,
                                         const store::EmailRecord& email, const std::string* mime,
                                         const Result<SendAccepted>& result, bool remembered, TimePoint now) {
  std::optional<Result<SendAccepted>> earlier;
  // Shared with the emails other requests accept meanwhile: one commit for many.
  stores_.tx.group_commit([&] {
    if (auto twin = key.twin()) {
      earlier = replay(*twin);
      return;
    }
    if (remembered) key.put(remember(result, key.digest()), now);
    stores_.emails.insert(email);
    if (mime && email.status == EmailStatus::Queued) stores_.emails.put_submitted_message(email.id, *mime);
    if (email.unverified)
      stores_.audit.append({caller.team_id, caller.user_id, caller.email, "email.accepted_unverified",
                            std::nullopt, json::serialize(json::object{{"email_id", email.id}}), now});
  });
  if (earlier) return *earlier;

  metrics_.increment("sendguard_emails_total", {{"status", std::string(to_string(email.status))}});
  if (email.status == EmailStatus::Queued) wake_outbox_();
  else spdlog::info("email {} blocked: {}", email.id, email.reason);
  return result;
}

Result<store::EmailRecord> SendService::get(const Caller& caller, const std::string& id) {
  auto email = stores_.emails.find(caller.team_id, id);
  // Another user's email, or a silent one, is "not found" to a non-admin: its existence is
  // not theirs to know.
  if (!email || (!caller.admin && (email->user_id != caller.user_id || email->silent)))
    return Error::not_found("no email with id " + id);
  return *email;
}

Result<EmailPage> SendService::list(const Caller& caller, const ListQuery& q) {
  store::EmailFilter f;
  f.team_id = caller.team_id;
  if (!caller.admin) {
    f.user_id = caller.user_id;
    f.include_silent_drops = false;  // PRODUCT.md: a group email's drops are for admins only
  }
  if (q.status) {
    f.status = parse_email_status(*q.status);
    if (!f.status) return Error::invalid("status", "unknown status '" + *q.status + "'");
  }
  if (q.workflow) {
    f.workflow = parse_workflow(*q.workflow);
    if (!f.workflow) return Error::invalid("workflow", "unknown workflow '" + *q.workflow + "'");
  }
  f.limit = q.limit.value_or(kDefaultPageSize);
  if (f.limit < 1 || f.limit > kMaxPageSize)
    return Error::invalid("limit", "limit must be between 1 and " + std::to_string(kMaxPageSize));
  if (q.cursor) {
    f.after = decode_cursor(*q.cursor);
    if (!f.after) return Error::invalid("cursor", "cursor is not one this server returned");
  }
  ++f.limit;  // one extra row tells whether another page exists
  EmailPage page;
  page.emails = stores_.emails.list(f);
  if (static_cast<int>(page.emails.size()) == f.limit) {
    page.emails.pop_back();
    page.next_cursor = encode_cursor(page.emails.back());
  }
  return page;
}

}  // namespace sg::sending
