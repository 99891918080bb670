// Routes: /settings/unsubscribe and /integrations/marketo.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "marketo/call_metrics.h"
#include "mirror/complete_mirror.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object settings_body(const store::UnsubscribeSettings& s) {
  return {{"marketo_check_enabled", s.marketo_check_enabled},
          {"on_check_unavailable", std::string(to_string(s.on_check_unavailable))}};
}

json::value time_or_null(const std::optional<TimePoint>& t) {
  return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

json::value number_or_null(const std::optional<int64_t>& n) { return n ? json::value(*n) : json::value(nullptr); }

json::object connection_body(const settings::ConnectionView& c) {
  return {{"rest_endpoint", c.rest_endpoint},
          {"identity_endpoint", c.identity_endpoint},
          {"client_id", c.client_id},
          {"connected", true},
          {"verified_at", format_rfc3339(c.verified_at)}};
}

json::object seed_body(const store::SeedState& s, const store::SyncState& sync) {
  return {{"state", store::seed_phase_name(s.phase)},
          {"complete", mirror::knows_every_unsubscribe(sync, s)},
          {"addresses", s.addresses},
          {"started_at", time_or_null(s.started_at)},
          {"finished_at", time_or_null(s.finished_at)},
          {"error", s.last_error.empty() ? json::value(nullptr) : json::value(s.last_error)}};
}

// GET adds how the mirror's sync is doing and the calls made today.
json::object connection_status_body(const settings::ConnectionView& c) {
  json::object by_kind;
  for (const auto& [kind, n] : c.usage.calls_by_kind) by_kind[kind] = n;
  json::object o = connection_body(c);
  o["sync"] = json::object{{"last_success_at", time_or_null(c.sync.last_success_at)},
                                {"lag_seconds", number_or_null(c.sync_lag_seconds)},
                                {"last_error", c.sync.last_error.empty() ? json::value(nullptr) : json::value(c.sync.last_error)},
                                {"last_error_at", time_or_null(c.sync.last_error_at)},
                                {"feed_restarted_at", time_or_null(c.sync.restarted_at)},
                                {"feed_restart_reason", c.sync.restart_reason.empty()
                                                            ? json::value(nullptr)
                                                            : json::value(c.sync.restart_reason)},
                                {"feed_calls_today", marketo::feed_calls(c.usage)},
                                {"confirmed_at", time_or_null(c.sync.confirmed_at)},
                                {"warning", c.sync.warning.empty() ? json::value(nullptr)
                                                                   : json::value(c.sync.warning)}};
  o["usage"] = json::object{{"calls_today", c.usage.calls},
                            {"daily_budget", c.usage.budget},
                            {"background_calls_today", c.usage.background_calls},
                            {"background_budget", c.usage.background_budget},
                            {"other_calls_today", c.usage.other_calls},
                            {"daily_quota", c.usage.quota},
                            {"near_quota", c.usage.near_quota},
                            {"by_kind", std::move(by_kind)}};
  o["seed"] = seed_body(c.seed, c.sync);
  return o;
}

json::value ok_or_null(const std::optional<bool>& ok) { return ok ? json::value(*ok) : json::value(nullptr); }

// Each check of a connect: {"name", "ok": true|false|null, "code"?, "message"?, "warning"?}.
json::array checks_body(const std::vector<marketo::ConnectionCheck>& checks) {
  json::array list;
  for (const marketo::ConnectionCheck& check : checks) {
    json::object o{{"name", check.name}, {"ok", ok_or_null(check.ok)}};
    for (auto [key, text] : {std::pair{"code", &check.code}, {"message", &check.message}, {"warning", &check.warning}})
      if (!text->empty()) o[key] = *text;
    list.push_back(std::move(o));
  }
  return list;
}

// A connect's answer: the connection, or the error; either carries the checks made.
Response connect_response(const settings::ConnectOutcome& outcome) {
  if (outcome.view) {
    json::object body = connection_body(*outcome.view);
    body["checks"] = checks_body(outcome.checks);
    return json_response(200, body);
  }
  const Error& error = outcome.view.error();
  if (outcome.checks.empty()) return error_response(error);  // refused before any check
  json::object body = error_body(error);
  body["checks"] = checks_body(outcome.checks);
  return json_response(status_for(error.code), body);
}

Result<settings::SettingsChange> parse_change(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  settings::SettingsChange change;
  auto enabled = optional_bool(*body, "marketo_check_enabled");
  if (!enabled) return enabled.error();
  change.marketo_check_enabled = *enabled;
  auto policy = optional_enum(*body, "on_check_unavailable", parse_fail_policy, "\"block\", \"send\"");
  if (!policy) return policy.error();
  change.on_check_unavailable = *policy;
  if (!change.marketo_check_enabled && !change.on_check_unavailable)
    return Error::invalid("body", "give marketo_check_enabled and/or on_check_unavailable");
  return change;
}

Result<settings::ConnectionInput> parse_connection(const Request& r) {
  auto body = parse_object(r);
  if (!body) return body.error();
  settings::ConnectionInput in;
  for (auto [field, target] : {std::pair{"rest_endpoint", &in.rest_endpoint},
                               {"identity_endpoint", &in.identity_endpoint},
                               {"client_id", &in.client_id},
                               {"client_secret", &in.client_secret}}) {
    auto v = required_string(*body, field);
    if (!v) return v.error();
    *target = *v;
  }
  return in;
}

}  // namespace

void Api::add_settings_routes() {
  add("GET", "/settings/unsubscribe", [this](Request&, const Caller& c) {
    return json_response(200, settings_body(s_.settings.get(c)));
  });
  add("PUT", "/settings/unsubscribe", [this](Request& r, const Caller& c) {
    if (Status may = s_.settings.may_change(c); !may) return error_response(may.error());
    auto change = parse_change(r);
    if (!change) return error_response(change.error());
    auto result = s_.settings.change(c, *change);
    return result ? json_response(200, settings_body(*result)) : error_response(result.error());
  });
  add("GET", "/settings/mirror", [this](Request&, const Caller& c) {
    return json_response(200, json::object{{"authoritative", s_.settings.get(c).mirror_authoritative}});
  });
  add("PUT", "/settings/mirror", [this](Request& r, const Caller& c) {
    if (Status may = s_.settings.may_set_mirror(c); !may) return error_response(may.error());
    auto body = parse_object(r);
    if (!body) return error_response(body.error());
    auto authoritative = optional_bool(*body, "authoritative");
    if (!authoritative) return error_response(authoritative.error());
    if (!*authoritative) return error_response(Error::invalid("authoritative", "authoritative (true or false) is required"));
    auto result = s_.settings.set_mirror_authoritative(c, **authoritative);
    if (!result) return error_response(result.error());
    return json_response(200, json::object{{"authoritative", result->mirror_authoritative}});
  });
  add("PUT", "/integrations/marketo", [this](Request& r, const Caller& c) {
    if (Status may = s_.settings.may_connect(c); !may) return error_response(may.error());
    auto in = parse_connection(r);
    if (!in) return error_response(in.error());
    return connect_response(s_.settings.connect(c, *in));
  });
  add("GET", "/integrations/marketo", [this](Request&, const Caller& c) {
    auto result = s_.settings.connection(c);
    if (!result) return error_response(result.error());
    json::object body = connection_status_body(*result);
    body["webhook"] = webhook_status(c.team_id);
    return json_response(200, body);
  });
  add("DELETE", "/integrations/marketo", [this](Request&, const Caller& c) {
    return no_content(s_.settings.disconnect(c));
  });
}

}  // namespace sg::http
