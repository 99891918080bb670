#include "sending/bulk_send.h"

#include <boost/json.hpp>
#include <unordered_map>

#include "core/email_address.h"
#include "core/fate.h"
#include "crypto/tokens.h"
#include "sending/email_factory.h"
#include "sending/idempotency.h"
#include "sending/personalize.h"
#include "sending/send_validation.h"
#include "sending/team_policy.h"

namespace sg::sending {
namespace json = boost::json;
namespace {

struct Prepared {
  EmailAddress address;
  Personalized content;
};

std::string where(size_t i) { return "recipients[" + std::to_string(i) + "]"; }

Result<std::vector<Prepared>> prepare(const BulkRequest& r, const SendOptions& options) {
  if (r.mode != Workflow::SelectAndSend && r.mode != Workflow::Group)
    return Error::invalid("mode", "mode must be \"select_and_send\" or \"group\"");
  if (r.recipients.empty()) return Error::invalid("recipients", "recipients must list at least one person");
  if (r.recipients.size() > BulkSendService::kMaxRecipients)
    return Error::invalid("recipients", "at most " + std::to_string(BulkSendService::kMaxRecipients) +
                                            " recipients per request, got " + std::to_string(r.recipients.size()));
  auto personalizer = Personalizer::compile(r.subject, r.text, r.html);
  if (!personalizer) return personalizer.error();

  std::vector<Prepared> out;
  out.reserve(r.recipients.size());
  std::unordered_map<std::string, size_t> first_seen;
  size_t total = 0;
  for (size_t i = 0; i < r.recipients.size(); ++i) {
    auto address = EmailAddress::parse(r.recipients[i].email);
    if (!address) return Error::invalid(where(i) + ".email", where(i) + ".email: " + address.error().message);
    auto [it, fresh] = first_seen.emplace(address->key(), i);
    if (!fresh)
      return Error::invalid(where(i) + ".email", where(i) + ".email repeats " + where(it->second) + ".email (" +
                                                     address->original() + ")");
    auto content = personalizer->render(r.recipients[i].vars);
    if (!content)
      return Error::invalid(where(i) + ".vars", where(i) + " (" + address->original() + ") has " +
                                                    content.error().message);
    if (Status s = check_header_value(where(i) + ".vars", content->subject, options.max_subject_bytes); !s)
      return Error::invalid(where(i) + ".vars", "the personalized subject for " + where(i) + ": " + s.error().message);
    total += content->subject.size() + content->text.size() + content->html.size();
    if (total > options.max_bulk_rendered_bytes)
      return Error::invalid(where(i) + ".vars", "the personalized emails up to " + where(i) + " add up to more than " +
                                                    std::to_string(options.max_bulk_rendered_bytes) +
                                                    " bytes, the limit for one request");
    out.push_back({std::move(address).value(), std::move(content).value()});
  }
  return out;
}

struct Batch {
  BulkAccepted accepted;  // the request's answer
  std::vector<store::EmailRecord> emails;
  bool any_unverified = false;
};

// One email per recipient, its fate given by the gate's verdict; moves the content out of `prepared`.
Batch build_emails(const Caller& caller, const BulkRequest& request, std::vector<Prepared>& prepared,
                   const gate::GateAnswer& answer, const std::string& mail_domain, TimePoint now) {
  Batch b{{crypto::random_id("bk_"), {}}, {}, false};
  b.emails.reserve(prepared.size());
  for (auto& p : prepared) {
    auto email = new_email(caller, request.mode, request.source,
                           {{p.address.original()}, {}, {}, std::move(p.content.subject),
                            std::move(p.content.text), std::move(p.content.html)},
                           mail_domain, now);
    email.bulk_id = b.accepted.id;
    Verdict v = answer.verdict(p.address.key());
    Fate f = fate(request.mode, v.finding, Stage::Request);
    email.status = f.status;
    if (f.status == EmailStatus::Held) email.held_since = now;
    email.reason = v.reason;
    email.unverified = answer.is_unverified_allowed(p.address.key());
    b.any_unverified = b.any_unverified || email.unverified;
    email.silent = !f.seen_by_sender;
    if (!email.silent) b.accepted.emails.push_back({p.address.original(), email.id, email.status, email.reason});
    b.emails.push_back(std::move(email));
  }
  return b;
}

std::string digest_of(const BulkRequest& r) {
  json::array recipients;
  for (const auto& p : r.recipients) {
    json::object vars;
    for (const auto& [k, v] : p.vars) vars[k] = v;
    recipients.push_back(json::object{{"email", p.email}, {"vars", std::move(vars)}});
  }
  return crypto::token_hash(json::serialize(json::object{
      {"mode", std::string(to_string(r.mode))}, {"source", std::string(to_string(r.source))},
      {"recipients", std::move(recipients)}, {"subject", r.subject}, {"text", r.text}, {"html", r.html}}));
}

std::string encode(const BulkAccepted& a) {
  json::array emails;
  for (const auto& e : a.emails)
    emails.push_back(json::object{{"email", e.email}, {"id", e.id},
                                  {"status", std::string(to_string(e.status))}, {"reason", e.reason}});
  return json::serialize(json::object{{"id", a.id}, {"emails", std::move(emails)}});
}

BulkAccepted decode(const std::string& text) {
  json::value v = json::parse(text);
  BulkAccepted a{std::string(v.at("id").as_string()), {}};
  for (const auto& e : v.at("emails").as_array())
    a.emails.push_back({std::string(e.at("email").as_string()), std::string(e.at("id").as_string()),
                        parse_email_status(e.at("status").as_string()).value_or(EmailStatus::Queued),
                        std::string(e.at("reason").as_string())});
  return a;
}

}  // namespace

BulkSendService::BulkSendService(BulkSendServiceStores stores, gate::UnsubscribeGate& gate, Clock& clock,
                                 Metrics& metrics, SendOptions options, std::function<void()> wake_outbox)
    : stores_(stores), gate_(gate), clock_(clock), metrics_(metrics), options_(std::move(options)),
      wake_outbox_(std::move(wake_outbox)) {}

Result<BulkAccepted> BulkSendService::send(const Caller& caller, const BulkRequest& request) {
  auto key = IdempotencyKey::open(stores_.idempotency, caller.user_id, request.idempotency_key, kBulkSendKeys,
                                  [&] { return digest_of(request); });
  if (!key) return key.error();
  if (auto seen = key->earlier()) {
    if (!*seen) return seen->error();
    return decode((*seen)->body_json);
  }
  auto prepared = prepare(request, options_);
  if (!prepared) return prepared.error();

  std::vector<std::string> keys;
  for (const auto& p : *prepared) keys.push_back(p.address.key());
  auto settings = stores_.settings.get(caller.team_id);
  auto answer = gate_.check(caller.team_id, team_policy(settings), keys);

  TimePoint now = clock_.now();
  Batch batch = build_emails(caller, request, *prepared, answer, options_.mail_domain, now);

  std::optional<BulkAccepted> earlier;
  stores_.tx.transaction([&] {
    if (auto twin = key->twin()) {
      earlier = decode(twin->body_json);
      return;
    }
    key->put({key->digest(), 1, encode(batch.accepted)}, now);
    stores_.emails.insert_bulk(batch.accepted.id, caller.team_id, caller.user_id, request.mode, request.source,
                               static_cast<int64_t>(batch.emails.size()), now);
    for (const auto& e : batch.emails) stores_.emails.insert(e);
    if (batch.any_unverified)
      stores_.audit.append({caller.team_id, caller.user_id, caller.email, "bulk_send.accepted_unverified",
                            std::nullopt, json::serialize(json::object{{"bulk_id", batch.accepted.id}}), now});
  });
  if (earlier) return *earlier;
  for (const auto& e : batch.emails)
    metrics_.increment("sendguard_emails_total", {{"status", std::string(to_string(e.status))}});
  wake_outbox_();
  return std::move(batch.accepted);
}

}  // namespace sg::sending
