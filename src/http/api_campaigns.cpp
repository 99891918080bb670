// Routes: /campaigns and their enrollments.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/recipients_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object campaign_body(const store::Campaign& c, bool with_steps) {
  json::object o{{"id", c.id}, {"name", c.name}, {"created_at", format_rfc3339(c.created_at)},
                 {"step_count", c.steps.size()}};
  if (with_steps) {
    json::array steps;
    for (const auto& s : c.steps)
      steps.push_back(json::object{{"delay_seconds", s.delay_seconds}, {"subject", s.subject},
                                   {"text", s.text}, {"html", s.html}});
    o["steps"] = std::move(steps);
  }
  return o;
}

json::object enrollment_body(const store::Enrollment& e) {
  json::object o{{"id", e.id}, {"email", e.email}, {"state", std::string(store::to_string(e.state))},
                 {"reason", nullptr}, {"next_step", e.next_step}, {"next_due_at", nullptr},
                 {"enrolled_by", e.enrolled_by ? json::value(*e.enrolled_by) : json::value(nullptr)}};
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (e.next_due_at) o["next_due_at"] = format_rfc3339(*e.next_due_at);
  return o;
}

Result<campaigns::NewCampaign> parse_campaign(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  auto name = required_string(*body, "name");
  if (!name) return name.error();
  campaigns::NewCampaign c{*name, {}};
  const auto* steps = body->if_contains("steps");
  if (!steps || !steps->is_array()) return Error::invalid("steps", "steps must be an array of steps");
  for (size_t i = 0; i < steps->as_array().size(); ++i) {
    std::string where = "steps[" + std::to_string(i) + "]";
    const auto& item = steps->as_array()[i];
    if (!item.is_object()) return Error::invalid(where, where + " must be an object");
    const auto& o = item.as_object();
    store::CampaignStep step;
    const auto* delay = o.if_contains("delay_seconds");
    if (delay) {
      if (!delay->is_int64() && !delay->is_uint64())
        return Error::invalid(where + ".delay_seconds", where + ".delay_seconds must be a whole number of seconds");
      step.delay_seconds = delay->is_int64() ? delay->as_int64() : static_cast<int64_t>(delay->as_uint64());
    }
    if (Status s = read_strings(o, {{"subject", &step.subject}, {"text", &step.text}, {"html", &step.html}}); !s)
      return Error::invalid(where + "." + s.error().field, where + "." + s.error().message);
    c.steps.push_back(std::move(step));
  }
  return c;
}

Result<std::vector<campaigns::NewEnrollment>> parse_people(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  auto recipients = parse_recipients(*body);
  if (!recipients) return recipients.error();
  std::vector<campaigns::NewEnrollment> out;
  for (auto& p : *recipients) out.push_back({std::move(p.email), std::move(p.vars)});
  return out;
}

}  // namespace

void Api::add_campaign_routes() {
  add("POST", "/campaigns", [this](Request& r, const Caller& c) {
    auto in = parse_campaign(r);
    if (!in) return error_response(in.error());
    auto created = s_.campaigns.create(c, *in);
    if (!created) return error_response(created.error());
    return json_response(201, campaign_body(*created, true));
  });
  add("GET", "/campaigns", [this](Request&, const Caller& c) {
    json::array out;
    for (const auto& campaign : s_.campaigns.list(c)) out.push_back(campaign_body(campaign, false));
    return json_response(200, json::object{{"campaigns", std::move(out)}});
  });
  add("GET", "/campaigns/{id}", [this](Request& r, const Caller& c) {
    auto campaign = s_.campaigns.get(c, r.path_params["id"]);
    return campaign ? json_response(200, campaign_body(*campaign, true)) : error_response(campaign.error());
  });
  add("POST", "/campaigns/{id}/enrollments", [this](Request& r, const Caller& c) {
    auto people = parse_people(r);
    if (!people) return error_response(people.error());
    auto enrolled = s_.campaigns.enroll(c, r.path_params["id"], *people);
    if (!enrolled) return error_response(enrolled.error());
    json::array out;
    for (const auto& e : *enrolled) out.push_back(enrollment_body(e));
    return json_response(201, json::object{{"enrollments", std::move(out)}});
  });
  add("GET", "/campaigns/{id}/enrollments", [this](Request& r, const Caller& c) {
    auto list = s_.campaigns.enrollments(c, r.path_params["id"]);
    if (!list) return error_response(list.error());
    json::array out;
    for (const auto& e : *list) out.push_back(enrollment_body(e));
    return json_response(200, json::object{{"enrollments", std::move(out)}});
  });
}

}  // namespace sg::http
