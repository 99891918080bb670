#include "sending/idempotent_answer.h"

#include <boost/json.hpp>

#include "crypto/tokens.h"

namespace sg::sending {
namespace json = boost::json;

store::StoredResponse remember(const Result<SendAccepted>& answer, const std::string& request_hash) {
  json::object o;
  if (answer) {
    o["id"] = answer->id;
    o["status"] = std::string(to_string(answer->status));
    return {request_hash, 1, json::serialize(o)};
  }
  const Error& e = answer.error();
  o["code"] = e.code;
  o["message"] = e.message;
  json::array recipients;
  for (const auto& r : e.recipients) recipients.emplace_back(r);
  o["recipients"] = std::move(recipients);
  return {request_hash, 0, json::serialize(o)};
}

Result<SendAccepted> replay(const store::StoredResponse& stored) {
  json::object o = json::parse(stored.body_json).as_object();
  if (stored.status_code == 1)
    return SendAccepted{std::string(o["id"].as_string()),
                        parse_email_status(o["status"].as_string()).value_or(EmailStatus::Queued)};
  Error e{std::string(o["code"].as_string()), std::string(o["message"].as_string()), {}, {}};
  for (const auto& r : o["recipients"].as_array()) e.recipients.emplace_back(r.as_string());
  return e;
}

std::string request_digest(const SendRequest& r) {
  json::object o;
  auto arr = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  o["workflow"] = std::string(to_string(r.workflow));
  o["source"] = std::string(to_string(r.source));
  o["to"] = arr(r.to);
  o["cc"] = arr(r.cc);
  o["bcc"] = arr(r.bcc);
  o["subject"] = r.subject;
  o["text"] = r.text;
  o["html"] = r.html;
  return crypto::token_hash(json::serialize(o));
}

}  // namespace sg::sending
