// Routes: health, readiness, metrics and the audit log.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/errors.h"
#include "http/json_body.h"
#include "http/metrics_access.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::object audit_entry_body(const store::AuditEntry& e) {
  return {{"action", e.action},
          {"actor", e.actor_email ? json::value(*e.actor_email) : json::value(nullptr)},
          {"at", format_rfc3339(e.at)},
          {"before", e.before_json ? json::parse(*e.before_json) : json::value(nullptr)},
          {"after", e.after_json ? json::parse(*e.after_json) : json::value(nullptr)}};
}

// Teams whose latest feed read failed: their mirror is not trusted, so their checks ask
// Marketo for every address until the feed recovers.
void set_sync_gauges(store::MarketoSyncStore& sync, Metrics& metrics) {
  int64_t failing = 0;
  for (const auto& team_id : sync.teams_to_sync())
    if (sync.sync_state(team_id).failing()) ++failing;
  metrics.describe("sendguard_marketo_feed_failing_teams", "gauge",
                   "Teams whose latest read of the Marketo activity feed failed (their mirror is not trusted)");
  metrics.set_gauge("sendguard_marketo_feed_failing_teams", {}, static_cast<double>(failing));
}

}  // namespace

void Api::add_ops_routes() {
  add_public("GET", "/healthz", [](Request&) {
    return json_response(200, json::object{{"status", "ok"}});
  });
  add_public("GET", "/readyz", [this](Request&) {
    if (!s_.ping()) return json_response(503, json::object{{"status", "database unreachable"}});
    // Every handler thread taken: requests would only queue (see HandlerLoad).
    const HandlerLoad* load = s_.options.handler_load;
    if (load && load->saturated()) return json_response(503, json::object{{"status", "handlers busy"}});
    return json_response(200, json::object{{"status", "ready"}});
  });
  add_public("GET", "/metrics", [this](Request& r) {
    if (auto refused = refuse_metrics_scrape(r, s_.options.metrics_token)) return refusal(*refused);
    int64_t queue_depth = 0;
    for (const auto& [status, count] : s_.emails.count_by_status()) {
      s_.metrics.set_gauge("sendguard_emails", {{"status", status}}, static_cast<double>(count));
      if (status == "queued" || status == "held") queue_depth += count;
    }
    s_.metrics.set_gauge("sendguard_queue_depth", {}, static_cast<double>(queue_depth));
    set_sync_gauges(s_.marketo_sync, s_.metrics);
    return Response{200, "text/plain; version=0.0.4", s_.metrics.render(), {}};
  });
  add("GET", "/audit", [this](Request&, const Caller& c) {
    auto recent = s_.audit.recent(c);
    if (!recent) return error_response(recent.error());
    json::array entries;
    for (const auto& e : *recent) entries.push_back(audit_entry_body(e));
    return json_response(200, json::object{{"entries", std::move(entries)}});
  });
}

}  // namespace sg::http
