// Routes: /checks and /emails.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/query_params.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::array to_array(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

json::object email_body(const store::EmailRecord& e) {
  json::object o{{"id", e.id},
                 {"workflow", std::string(to_string(e.workflow))},
                 {"source", std::string(to_string(e.source))},
                 {"from", e.from},
                 {"to", to_array(e.to)},
                 {"cc", to_array(e.cc)},
                 {"bcc", to_array(e.bcc)},
                 {"subject", e.subject},
                 {"status", std::string(to_string(e.status))},
                 {"reason", nullptr},
                 {"created_at", format_rfc3339(e.created_at)},
                 {"sent_at", nullptr}};
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (e.sent_at) o["sent_at"] = format_rfc3339(*e.sent_at);
  if (e.unverified) o["unverified"] = true;
  return o;
}

json::object email_page_body(const sending::EmailPage& page) {
  json::array emails;
  for (const auto& e : page.emails) emails.push_back(email_body(e));
  json::object o{{"emails", std::move(emails)}, {"next_cursor", nullptr}};
  if (page.next_cursor) o["next_cursor"] = *page.next_cursor;
  return o;
}

json::array check_results_body(const std::vector<sending::CheckResult>& results) {
  json::array out;
  for (const auto& res : results) {
    json::object o{{"email", res.email}, {"allowed", res.allowed}};
    if (!res.allowed) o["reason"] = res.reason;
    out.push_back(std::move(o));
  }
  return out;
}

// POST /checks with `check` asking the service; nullopt when it gave no answer.
template <class Check>
std::optional<Response> checks_response(Request& r, Check check) {
  auto body = parse_object(r);
  if (!body) return error_response(body.error());
  auto recipients = string_list(*body, "recipients");
  if (!recipients) return error_response(recipients.error());
  // Validated, not otherwise used.
  auto source = optional_source(*body);
  if (!source) return error_response(source.error());
  std::optional<sending::SendService::Checks> results = check(*recipients);
  if (!results) return std::nullopt;
  if (!*results) return error_response(results->error());
  return json_response(200, json::object{{"results", check_results_body(**results)}});
}

Result<sending::SendRequest> parse_send(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  sending::SendRequest req;
  auto workflow = optional_enum(*body, "workflow", parse_workflow, "\"individual\", \"plugin\"");
  if (!workflow) return workflow.error();
  req.workflow = workflow->value_or(Workflow::Individual);
  auto source = optional_source(*body);
  if (!source) return source.error();
  req.source = source->value_or(store::Source::Api);
  for (auto [field, target] : {std::pair{"to", &req.to}, {"cc", &req.cc}, {"bcc", &req.bcc}}) {
    auto list = string_list(*body, field);
    if (!list) return list.error();
    *target = std::move(*list);
  }
  if (Status s = read_message_fields(*body, req); !s) return s.error();
  return req;
}

}  // namespace

std::optional<Response> Api::check_from_memory(Request& request, const Caller& caller) {
  return checks_response(request,
                         [&](const auto& recipients) { return s_.sending.check_from_memory(caller, recipients); });
}

void Api::add_sending_routes() {
  add("POST", std::string(kChecksRoute), [this](Request& r, const Caller& c) {
    return *checks_response(r, [&](const auto& recipients) { return std::optional(s_.sending.check(c, recipients)); });
  });

  add("POST", "/emails", [this](Request& r, const Caller& c) {
    auto req = parse_send(r);
    if (!req) return error_response(req.error());
    auto result = s_.sending.send(c, *req);
    if (!result) return error_response(result.error());
    return json_response(202, json::object{{"id", result->id}, {"status", std::string(to_string(result->status))}});
  });

  add("GET", "/emails", [this](Request& r, const Caller& c) {
    auto limit = whole_number_param(r, "limit");
    if (!limit) return error_response(limit.error());
    sending::ListQuery q{r.param("status"), r.param("workflow"), cursor_param(r), *limit};
    auto page = s_.sending.list(c, q);
    if (!page) return error_response(page.error());
    return json_response(200, email_page_body(*page));
  });

  add("GET", "/emails/{id}", [this](Request& r, const Caller& c) {
    auto email = s_.sending.get(c, r.path_params["id"]);
    return email ? json_response(200, email_body(*email)) : error_response(email.error());
  });
}

}  // namespace sg::http
