#include "marketo/lead_update.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "marketo/error_codes.h"
#include "marketo/reply_envelope.h"

namespace sg::marketo {

namespace {

net::Request update_request(const Endpoint& rest, std::string_view lookup_field, boost::json::array input) {
  boost::json::object body;
  body["action"] = "updateOnly";
  body["lookupField"] = lookup_field;
  body["input"] = std::move(input);
  net::Request request;
  request.method = "POST";
  request.url = rest.url("v1/leads.json");
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = boost::json::serialize(body);
  return request;
}

boost::json::object unsubscribed_record(std::string_view lookup_field, boost::json::value key,
                                        std::string_view reason) {
  boost::json::object record;
  record[lookup_field] = std::move(key);
  record["unsubscribed"] = true;
  record["unsubscribedReason"] = reason;
  return record;
}

RecordOutcome skipped(const boost::json::object& record) {
  const auto* reasons = record.if_contains("reasons");
  const boost::json::object* first = nullptr;
  if (reasons != nullptr && reasons->is_array() && !reasons->get_array().empty()) {
    first = reasons->get_array().front().if_object();
  }
  if (first == nullptr) return RecordOutcome{RecordOutcome::Kind::rejected, 0, "skipped without a reason"};
  const std::string code = text_of(first->if_contains("code"));
  if (code == "1004") return RecordOutcome{RecordOutcome::Kind::not_found, 0, {}};
  if (code == "1007") return RecordOutcome{RecordOutcome::Kind::several_leads, 0, {}};
  return RecordOutcome{RecordOutcome::Kind::rejected, 0, code + " " + text_of(first->if_contains("message"))};
}

RecordOutcome outcome_of(const boost::json::value& entry) {
  const auto* record = entry.if_object();
  if (record == nullptr) return RecordOutcome{RecordOutcome::Kind::rejected, 0, "unreadable result"};
  const std::string status = text_of(record->if_contains("status"));
  if (status == "updated") {
    return RecordOutcome{RecordOutcome::Kind::updated, integer_of(record->if_contains("id")).value_or(0), {}};
  }
  if (status == "skipped") return skipped(*record);
  return RecordOutcome{RecordOutcome::Kind::rejected, 0, "unexpected status \"" + status + "\""};
}

}  // namespace

net::Request unsubscribe_by_email(const Endpoint& rest, std::span<const std::string> emails, std::string_view reason) {
  boost::json::array input;
  for (const std::string& email : emails)
    input.push_back(unsubscribed_record("email", boost::json::string(email), reason));
  return update_request(rest, "email", std::move(input));
}

net::Request unsubscribe_by_id(const Endpoint& rest, std::span<const int64_t> ids, std::string_view reason) {
  boost::json::array input;
  for (int64_t id : ids) input.push_back(unsubscribed_record("id", id, reason));
  return update_request(rest, "id", std::move(input));
}

Result<std::vector<RecordOutcome>> record_outcomes(const boost::json::array& result, std::size_t records) {
  if (result.size() != records) {
    return Error::make(errc::error, "Marketo answered " + std::to_string(result.size()) + " results for " +
                                        std::to_string(records) + " updated records");
  }
  std::vector<RecordOutcome> out;
  out.reserve(records);
  for (const auto& entry : result) out.push_back(outcome_of(entry));
  return out;
}

}  // namespace sg::marketo
