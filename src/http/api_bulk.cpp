// Routes: /bulk-sends (select & send, group email).
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/recipients_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

Result<sending::BulkRequest> parse_bulk(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  sending::BulkRequest req;
  auto mode = required_string(*body, "mode");
  if (!mode) return mode.error();
  auto workflow = parse_workflow(*mode);
  if (!workflow || (*workflow != Workflow::SelectAndSend && *workflow != Workflow::Group))
    return Error::invalid("mode", "mode must be \"select_and_send\" or \"group\"");
  req.mode = *workflow;
  auto source = optional_source(*body);
  if (!source) return source.error();
  if (*source) req.source = **source;
  auto recipients = parse_recipients(*body);
  if (!recipients) return recipients.error();
  req.recipients = std::move(*recipients);
  if (Status s = read_message_fields(*body, req); !s) return s.error();
  return req;
}

}  // namespace

void Api::add_bulk_routes() {
  add("POST", "/bulk-sends", [this](Request& r, const Caller& c) {
    auto req = parse_bulk(r);
    if (!req) return error_response(req.error());
    auto result = s_.bulk.send(c, *req);
    if (!result) return error_response(result.error());
    json::array emails;
    for (const auto& e : result->emails) {
      json::object o{{"email", e.email}, {"id", e.id}, {"status", std::string(to_string(e.status))}};
      if (!e.reason.empty()) o["reason"] = e.reason;
      emails.push_back(std::move(o));
    }
    return json_response(202, json::object{{"id", result->id}, {"emails", std::move(emails)}});
  });
}

}  // namespace sg::http
